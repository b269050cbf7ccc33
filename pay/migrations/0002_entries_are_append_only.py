"""Ledger entries are append-only whatever the code path: a trigger refuses
to change or delete one (style.md, item 7). A correction is a new entry."""

from django.db import migrations

from smartcoop.lib.db import execute_for_vendor

POSTGRES_UP = """
CREATE FUNCTION pay_entry_is_final() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entry % is append-only', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pay_entry_is_final BEFORE UPDATE OR DELETE ON pay_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION pay_entry_is_final();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS pay_entry_is_final ON pay_ledgerentry;
DROP FUNCTION IF EXISTS pay_entry_is_final();
"""
SQLITE_UP = [
    """CREATE TRIGGER pay_entry_no_update BEFORE UPDATE ON pay_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'a ledger entry never changes'); END;""",
    """CREATE TRIGGER pay_entry_no_delete BEFORE DELETE ON pay_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'a ledger entry is never deleted'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS pay_entry_no_update;",
    "DROP TRIGGER IF EXISTS pay_entry_no_delete;",
]


def up(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_UP, sqlite=SQLITE_UP)


def down(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_DOWN, sqlite=SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("pay", "0001_ledger")]
    operations = [migrations.RunPython(up, down)]
