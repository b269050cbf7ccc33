"""The governance rules (governance/catalogue.py) in the rules catalogue, checked
like any version the legal team drafts."""

from django.db import migrations

from governance.catalogue import CATALOGUE
from rules.seeding import seed_rules, unseed_rules


def seed(apps, schema_editor):
    seed_rules(apps, CATALOGUE)


def unseed(apps, schema_editor):
    unseed_rules(apps, schema_editor, [entry["key"] for entry in CATALOGUE])


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial"), ("rules", "0004_seed_catalogue")]
    operations = [migrations.RunPython(seed, unseed)]
