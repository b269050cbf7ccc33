"""The member-number counter row exists before the first sign-up, so two
first-ever sign-ups cannot both try to create it."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("members", "MemberNumberCounter").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_status_effective_on")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
