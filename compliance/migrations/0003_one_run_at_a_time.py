"""One run of the checks at a time (a partial unique index on the running
state), a run's last progress, and the state of a run that stopped without
finishing. Runs left running by a crash before this migration are marked so,
all but the latest, which the stale rule (services.RUN_STALE_AFTER) frees."""

from django.conf import settings
from django.db import migrations, models


def abandon_all_but_the_latest_running(apps, schema_editor):
    CheckRun = apps.get_model("compliance", "CheckRun")  # noqa: N806 - a model class
    running = CheckRun.objects.filter(status="running").order_by("-started_at", "-pk")
    latest = running.first()
    if latest is not None:
        running.exclude(pk=latest.pk).update(status="abandoned")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_nightly_schedule_and_teams"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="checkrun",
            name="checkrun_status_valid",
        ),
        migrations.AddField(
            model_name="checkrun",
            name="progressed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last progress"),
        ),
        migrations.AlterField(
            model_name="checkrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("done", "Done"),
                    ("partial", "Done, some checks failed"),
                    ("abandoned", "Stopped without finishing"),
                ],
                default="running",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="checkrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["running", "done", "partial", "abandoned"])),
                name="checkrun_status_valid",
            ),
        ),
        migrations.RunPython(abandon_all_but_the_latest_running, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="checkrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")),
                fields=("status",),
                name="one_checkrun_running",
            ),
        ),
    ]
