"""The share register is a legal document: a database trigger refuses every
change and deletion of an entry, whatever the code path (style.md, item 7)."""

from django.db import migrations

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
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("shares", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
