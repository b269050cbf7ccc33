"""The pay rules (pay/catalogue.py): contribution rates, holiday-pay
provision, the withholding-tax key formula and the payment delay, each
value checked like a version the legal team drafts. Safe to run twice (the
test suite re-seeds after emptying the tables)."""

from django.db import migrations

from pay.catalogue import CATALOGUE
from rules.seeding import seed_rules, unseed_rules


def seed(apps, schema_editor):
    seed_rules(apps, CATALOGUE)


def unseed(apps, schema_editor):
    unseed_rules(apps, schema_editor, [entry["key"] for entry in CATALOGUE])


class Migration(migrations.Migration):
    dependencies = [("pay", "0002_entries_are_append_only"), ("rules", "0004_seed_catalogue")]
    operations = [migrations.RunPython(seed, unseed)]
