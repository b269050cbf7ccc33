"""The counter row exists before anyone needs it, so that two first-ever
subscriptions cannot both try to create it."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("shares", "ShareCounter").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("shares", "0002_register_is_append_only")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
