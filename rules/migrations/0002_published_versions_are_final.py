"""A database trigger refuses to change or delete a published rule version,
whatever the code path (style.md, item 7: ledgers are append-only)."""

from django.db import migrations

from smartcoop.lib.db import execute_for_vendor

POSTGRES_UP = """
CREATE FUNCTION rules_version_is_final() RETURNS trigger AS $$
BEGIN
    -- An identical write (a restore of the same row, whose timestamps went
    -- through JSON at millisecond precision) changes nothing and passes.
    IF OLD.status = 'published' AND (
        TG_OP = 'DELETE'
        OR (NEW.id, NEW.rule_id, NEW.value, NEW.valid_from, NEW.status, NEW.reason,
            NEW.author_id, NEW.approver_id, NEW.is_seed,
            date_trunc('milliseconds', NEW.created_at),
            date_trunc('milliseconds', NEW.published_at))
        IS DISTINCT FROM
           (OLD.id, OLD.rule_id, OLD.value, OLD.valid_from, OLD.status, OLD.reason,
            OLD.author_id, OLD.approver_id, OLD.is_seed,
            date_trunc('milliseconds', OLD.created_at),
            date_trunc('milliseconds', OLD.published_at))
    ) THEN
        RAISE EXCEPTION 'rule version % is published and cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rules_version_is_final BEFORE UPDATE OR DELETE ON rules_ruleversion
    FOR EACH ROW EXECUTE FUNCTION rules_version_is_final();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS rules_version_is_final ON rules_ruleversion;
DROP FUNCTION IF EXISTS rules_version_is_final();
"""
SQLITE_UP = [
    """CREATE TRIGGER rules_version_no_update BEFORE UPDATE ON rules_ruleversion
       WHEN OLD.status = 'published' AND (
           NEW.value IS NOT OLD.value OR NEW.valid_from IS NOT OLD.valid_from
           OR NEW.status IS NOT OLD.status OR NEW.rule_id IS NOT OLD.rule_id
           OR NEW.reason IS NOT OLD.reason OR NEW.author_id IS NOT OLD.author_id
           OR NEW.approver_id IS NOT OLD.approver_id OR NEW.is_seed IS NOT OLD.is_seed
           OR NEW.id IS NOT OLD.id)
       BEGIN SELECT RAISE(ABORT, 'rule version is published and cannot change'); END;""",
    """CREATE TRIGGER rules_version_no_delete BEFORE DELETE ON rules_ruleversion
       WHEN OLD.status = 'published'
       BEGIN SELECT RAISE(ABORT, 'rule version is published and cannot change'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS rules_version_no_update;",
    "DROP TRIGGER IF EXISTS rules_version_no_delete;",
]


def up(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_UP, sqlite=SQLITE_UP)


def down(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_DOWN, sqlite=SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
