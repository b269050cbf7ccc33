"""The seed catalogue: the Belgian values in force when the platform started,
with their sources (rules/catalogue.py, docs/rules.md). Each value passes the
same checks as a version the legal team drafts. Later changes are made by the
legal team in the admin, or by new migrations for new keys."""

from django.db import migrations

from rules.catalogue import CATALOGUE
from rules.seeding import seed_rules, unseed_rules


def seed(apps, schema_editor):
    seed_rules(apps, CATALOGUE)


def unseed(apps, schema_editor):
    unseed_rules(apps, schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [("rules", "0003_legal_group")]
    operations = [migrations.RunPython(seed, unseed)]
