"""The staff roles (backoffice/roles.py): Finance, Member services, Legal and
Administrators, each group with exactly its permissions. Runs after every
app's models exist; a later change of roles.py comes with a new migration
that applies it again."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from backoffice.roles import ADMINISTRATORS, apply_roles


def up(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    apply_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def down(apps, schema_editor):
    # Finance, Member services and Legal were made by earlier migrations.
    apps.get_model("auth", "Group").objects.filter(name=ADMINISTRATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("account", "0009_emailaddress_unique_primary_email"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("compliance", "0002_nightly_schedule_and_teams"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("documents", "0002_content_types_and_sweep_task"),
        ("einvoicing", "0002_content_types_and_sweep"),
        ("invoicing", "0008_documents_and_einvoicing_move_out"),
        ("members", "0005_artist_work_certificate"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("rules", "0005_ruleversion_editors"),
        ("sessions", "0001_initial"),
        ("shares", "0003_counter_row"),
        ("usersessions", "0001_initial"),
        ("workspaces", "0002_bookings_never_overlap"),
    ]
    operations = [migrations.RunPython(up, down)]
