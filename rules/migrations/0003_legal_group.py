"""The "Legal" group: the legal team drafts, approves and publishes rules."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEGAL_PERMISSIONS = [
    "view_rule",
    "view_ruleversion",
    "add_ruleversion",
    "change_ruleversion",
    "delete_ruleversion",
    "publish_ruleversion",
    "view_historicalruleversion",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now.
    app_config = apps.get_app_config("rules")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    ensure_legal_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def ensure_legal_group(Group, Permission):  # noqa: N803 - model classes
    group, _created = Group.objects.get_or_create(name="Legal")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="rules", codename__in=LEGAL_PERMISSIONS)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Legal").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rules", "0002_published_versions_are_final"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
