"""The moved models' content types follow them to `documents` (so do their
permissions, the groups that hold them, and findings about them); the sweep's
beat entry, scheduled by invoicing migration 0006, runs the task under its
new name."""

from django.db import migrations

from smartcoop.lib.migrations import content_types_move

MODELS = [
    "invoicedocument",
    "documentfailure",
    "invoicedelivery",
    "historicalinvoicedelivery",
    "documentexport",
]
SWEEP_NAME = "Invoice documents: re-enqueue what is missing"


def up(apps, schema_editor):
    content_types_move(apps, models=MODELS, source="invoicing", target="documents")
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="invoicing.documents_sweep"
    ).update(task="documents.sweep")


def down(apps, schema_editor):
    content_types_move(apps, models=MODELS, source="documents", target="invoicing")
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="documents.sweep"
    ).update(task="invoicing.documents_sweep")


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("invoicing", "0008_documents_and_einvoicing_move_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(up, down)]
