"""The roles again (backoffice/roles.py), now that governance has models:
the secretariat of the general assembly is Member services; Legal reads."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from backoffice.roles import apply_roles


def up(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    apply_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_staff_roles"),
        ("governance", "0002_seed_catalogue"),
    ]
    operations = [migrations.RunPython(up, migrations.RunPython.noop)]
