"""Seed invoicing's own rule keys (invoicing/catalogue.py: the VAT bases) like
rules/migrations/0004_seed_catalogue.py, and give the lines of drafts saved
before the bases existed the basis their category meant then. Issued lines
never change: they keep the mentions they printed."""

from django.db import migrations

from invoicing.catalogue import CATALOGUE
from rules.seeding import seed_rules, unseed_rules

# What a line of each category meant before the bases (AE to a Belgian client:
# the co-contractor reverse charge; to anyone else: the intra-EU one).
OLD_MEANING = {"E": "art44_2_8", "K": "eu_goods", "G": "export", "O": "outside_eu"}


def seed(apps, schema_editor):
    seed_rules(apps, CATALOGUE)
    InvoiceLine = apps.get_model("invoicing", "InvoiceLine")
    drafts = InvoiceLine.objects.filter(invoice__status="draft", vat_basis="")
    for category, basis in OLD_MEANING.items():
        drafts.filter(vat_category=category).update(vat_basis=basis)
    belgian = drafts.filter(vat_category="AE", invoice__client__country="BE")
    belgian.update(vat_basis="be_cocontractor")
    drafts.filter(vat_category="AE").update(vat_basis="eu_services")


def unseed(apps, schema_editor):
    unseed_rules(apps, schema_editor, [entry["key"] for entry in CATALOGUE])


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0010_vat_bases"),
        ("rules", "0004_seed_catalogue"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
