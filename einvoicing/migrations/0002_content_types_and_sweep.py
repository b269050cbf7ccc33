"""The moved models' content types follow them to `einvoicing`, and the
transmissions get a sweep of their own in django-celery-beat every five
minutes, beside the documents sweep (staff may change or pause it)."""

from django.db import migrations

from smartcoop.lib.migrations import content_types_move

MODELS = ["peppoltransmission", "historicalpeppoltransmission"]
SWEEP_NAME = "Peppol transmissions: re-enqueue what waits"
SWEEP_TASK = "einvoicing.sweep"


def up(apps, schema_editor):
    content_types_move(apps, models=MODELS, source="invoicing", target="einvoicing")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _created = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": SWEEP_TASK,
            "interval": every,
            "description": "Sends Peppol transmissions still queued after a few minutes and "
            "asks the access point about sent ones not confirmed delivered.",
        },
    )


def down(apps, schema_editor):
    content_types_move(apps, models=MODELS, source="einvoicing", target="invoicing")
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("einvoicing", "0001_initial"),
        ("invoicing", "0008_documents_and_einvoicing_move_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(up, down)]
