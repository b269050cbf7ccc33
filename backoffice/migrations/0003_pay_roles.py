"""The roles again (backoffice/roles.py), now that pay has models: Finance
approves pay requests; Member services and Legal read the accounts."""

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
        ("backoffice", "0002_governance_roles"),
        ("pay", "0004_pay_requests"),
    ]
    operations = [migrations.RunPython(up, migrations.RunPython.noop)]
