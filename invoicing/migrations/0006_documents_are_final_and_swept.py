"""Stored documents are final like the invoices they render: a trigger
refuses to change or delete one, whatever the code path. And the sweep that
re-enqueues missing documents is scheduled in django-celery-beat every five
minutes (staff may change the interval or pause it in the admin)."""

from django.db import migrations

from smartcoop.lib.db import execute_for_vendor

POSTGRES_UP = """
CREATE FUNCTION invoicing_document_is_final() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stored document % never changes and is never deleted', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoicing_document_is_final BEFORE UPDATE OR DELETE ON invoicing_invoicedocument
    FOR EACH ROW EXECUTE FUNCTION invoicing_document_is_final();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS invoicing_document_is_final ON invoicing_invoicedocument;
DROP FUNCTION IF EXISTS invoicing_document_is_final();
"""
SQLITE_UP = [
    """CREATE TRIGGER invoicing_document_no_update BEFORE UPDATE ON invoicing_invoicedocument
       BEGIN SELECT RAISE(ABORT, 'a stored document never changes'); END;""",
    """CREATE TRIGGER invoicing_document_no_delete BEFORE DELETE ON invoicing_invoicedocument
       BEGIN SELECT RAISE(ABORT, 'a stored document is never deleted'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS invoicing_document_no_update;",
    "DROP TRIGGER IF EXISTS invoicing_document_no_delete;",
]

SWEEP_NAME = "Invoice documents: re-enqueue what is missing"
SWEEP_TASK = "invoicing.documents_sweep"


def up(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_UP, sqlite=SQLITE_UP)
    schedule_sweep(apps)


def schedule_sweep(apps):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _created = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": SWEEP_TASK,
            "interval": every,
            "description": "Renders issued documents still missing after a few minutes, "
            "re-sends queued emails whose task was lost, and restarts stalled exports.",
        },
    )


def down(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRES_DOWN, sqlite=SQLITE_DOWN)
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0005_documents_and_delivery"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(up, down)]
