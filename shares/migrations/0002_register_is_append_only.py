"""The share register is a legal document: a database trigger refuses every
change and deletion of an entry, whatever the code path (style.md, item 7)."""

from django.db import migrations

from smartcoop.lib.db import execute_for_vendor

POSTGRES_UP = """
CREATE FUNCTION shares_register_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'share register entry % is append-only', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER shares_register_is_append_only BEFORE UPDATE OR DELETE ON shares_registerentry
    FOR EACH ROW EXECUTE FUNCTION shares_register_is_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS shares_register_is_append_only ON shares_registerentry;
DROP FUNCTION IF EXISTS shares_register_is_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER shares_register_no_update BEFORE UPDATE ON shares_registerentry
       BEGIN SELECT RAISE(ABORT, 'share register entry is append-only'); END;""",
    """CREATE TRIGGER shares_register_no_delete BEFORE DELETE ON shares_registerentry
       BEGIN SELECT RAISE(ABORT, 'share register entry is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS shares_register_no_update;",
    "DROP TRIGGER IF EXISTS shares_register_no_delete;",
]


def up(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_UP, sqlite=SQLITE_UP)


def down(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_DOWN, sqlite=SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("shares", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
