"""Issued invoices and credit notes are final (VAT Code art. 53; domain.md):
database triggers refuse to delete them, to change anything but their
follow-up columns, to touch their lines, and to change or delete a payment,
whatever the code path (a raw UPDATE, a queryset .delete(), the admin)."""

from django.db import migrations

from smartcoop.lib.db import execute_for_vendor

# The columns a service may still change on an issued document; the same list
# as invoicing.models.FOLLOW_UP_FIELDS (a test checks that they agree).
FOLLOW_UP = [
    "status", "amount_paid", "amount_credited", "contribution_credited", "sent_at", "paid_on",
    "updated_at",
]

_ARRAY = "ARRAY[" + ", ".join(f"'{c}'" for c in FOLLOW_UP) + "]"

POSTGRES_UP = f"""
CREATE FUNCTION invoicing_issued_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued: it is never deleted', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status = 'draft'
       OR (to_jsonb(NEW) - {_ARRAY}::text[]) IS DISTINCT FROM (to_jsonb(OLD) - {_ARRAY}::text[])
    THEN
        RAISE EXCEPTION 'invoice % is issued: its content never changes', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoicing_issued_is_final BEFORE UPDATE OR DELETE ON invoicing_invoice
    FOR EACH ROW EXECUTE FUNCTION invoicing_issued_is_final();

CREATE FUNCTION invoicing_lines_of_issued_are_final() RETURNS trigger AS $$
DECLARE
    parent_status text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT status INTO parent_status FROM invoicing_invoice WHERE id = OLD.invoice_id;
        IF parent_status IS NOT NULL AND parent_status <> 'draft' THEN
            RAISE EXCEPTION 'the lines of issued invoice % never change', OLD.invoice_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT status INTO parent_status FROM invoicing_invoice WHERE id = NEW.invoice_id;
        IF parent_status IS NOT NULL AND parent_status <> 'draft' THEN
            RAISE EXCEPTION 'the lines of issued invoice % never change', NEW.invoice_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoicing_lines_of_issued_are_final
    BEFORE INSERT OR UPDATE OR DELETE ON invoicing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION invoicing_lines_of_issued_are_final();

CREATE FUNCTION invoicing_payments_are_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'invoice payment % is append-only', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoicing_payments_are_append_only BEFORE UPDATE OR DELETE
    ON invoicing_invoicepayment FOR EACH ROW EXECUTE FUNCTION invoicing_payments_are_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS invoicing_issued_is_final ON invoicing_invoice;
DROP FUNCTION IF EXISTS invoicing_issued_is_final();
DROP TRIGGER IF EXISTS invoicing_lines_of_issued_are_final ON invoicing_invoiceline;
DROP FUNCTION IF EXISTS invoicing_lines_of_issued_are_final();
DROP TRIGGER IF EXISTS invoicing_payments_are_append_only ON invoicing_invoicepayment;
DROP FUNCTION IF EXISTS invoicing_payments_are_append_only();
"""
# SQLite (the embedded `make run`): the same guarantees on the columns that
# carry the content people read.
_CONTENT = [
    "kind", "member_id", "activity_id", "client_id", "credited_invoice_id", "series", "year",
    "sequence", "number", "structured_reference", "supply_date", "issue_date", "due_date",
    "payment_term_days", "total_net", "total_vat", "total_gross", "contribution",
    "contribution_rate", "vat_breakdown", "seller", "buyer", "mentions", "language",
]
_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _CONTENT)
SQLITE_UP = [
    f"""CREATE TRIGGER invoicing_issued_no_update BEFORE UPDATE ON invoicing_invoice
       WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR {_CHANGED})
       BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes'); END;""",
    """CREATE TRIGGER invoicing_issued_no_delete BEFORE DELETE ON invoicing_invoice
       WHEN OLD.status <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'an issued invoice is never deleted'); END;""",
    """CREATE TRIGGER invoicing_lines_no_change BEFORE UPDATE ON invoicing_invoiceline
       WHEN (SELECT status FROM invoicing_invoice WHERE id = OLD.invoice_id) <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'the lines of an issued invoice never change'); END;""",
    """CREATE TRIGGER invoicing_lines_no_delete BEFORE DELETE ON invoicing_invoiceline
       WHEN (SELECT status FROM invoicing_invoice WHERE id = OLD.invoice_id) <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'the lines of an issued invoice never change'); END;""",
    """CREATE TRIGGER invoicing_lines_no_insert BEFORE INSERT ON invoicing_invoiceline
       WHEN (SELECT status FROM invoicing_invoice WHERE id = NEW.invoice_id) <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'the lines of an issued invoice never change'); END;""",
    """CREATE TRIGGER invoicing_payments_no_update BEFORE UPDATE ON invoicing_invoicepayment
       BEGIN SELECT RAISE(ABORT, 'invoice payments are append-only'); END;""",
    """CREATE TRIGGER invoicing_payments_no_delete BEFORE DELETE ON invoicing_invoicepayment
       BEGIN SELECT RAISE(ABORT, 'invoice payments are append-only'); END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in [
        "invoicing_issued_no_update", "invoicing_issued_no_delete", "invoicing_lines_no_change",
        "invoicing_lines_no_delete", "invoicing_lines_no_insert", "invoicing_payments_no_update",
        "invoicing_payments_no_delete",
    ]
]


def up(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_UP, sqlite=SQLITE_UP)


def down(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_DOWN, sqlite=SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
