"""The nightly run at 02:00 Europe/Brussels in django-celery-beat (staff may
move or pause it in the admin), and the teams that own the findings: each
team is a group whose members see the dashboard, work the findings and get
the team's morning digest. "Legal" exists already (rules)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NIGHTLY_NAME = "Compliance: nightly checks"
NIGHTLY_TASK = "compliance.nightly"
TEAM_GROUPS = {"finance": "Finance", "legal": "Legal", "member_services": "Member services"}
TEAM_PERMISSIONS = ["view_finding", "change_finding", "view_checkrun", "view_checkresult"]


def up(apps, schema_editor):
    app_config = apps.get_app_config("compliance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    ensure_team_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
    schedule_nightly(apps)


def ensure_team_groups(Group, Permission):  # noqa: N803 - model classes
    permissions = Permission.objects.filter(
        content_type__app_label="compliance", codename__in=TEAM_PERMISSIONS
    )
    for name in TEAM_GROUPS.values():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def schedule_nightly(apps):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    at_two, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Europe/Brussels",
    )
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY_NAME,
        defaults={
            "task": NIGHTLY_TASK,
            "crontab": at_two,
            "description": "Runs every compliance check, then mails each team its new findings.",
        },
    )


def down(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NIGHTLY_NAME).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=["Finance", "Member services"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_findings"),
        ("rules", "0003_legal_group"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(up, down)]
