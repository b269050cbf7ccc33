"""Seed invoicing's own rule keys (invoicing/catalogue.py: the VAT bases) like
rules/migrations/0004_seed_catalogue.py, and give the lines of drafts saved
before the bases existed the basis their category meant then. Issued lines
never change: they keep the mentions they printed."""

from django.db import migrations

# What a line of each category meant before the bases (AE to a Belgian client:
# the co-contractor reverse charge; to anyone else: the intra-EU one).
OLD_MEANING = {"E": "art44_2_8", "K": "eu_goods", "G": "export", "O": "outside_eu"}


def seed(apps, schema_editor):
    from invoicing.catalogue import CATALOGUE
    from rules.values import clean_value

    Rule = apps.get_model("rules", "Rule")
    RuleVersion = apps.get_model("rules", "RuleVersion")
    for entry in CATALOGUE:
        rule = Rule.objects.create(
            key=entry["key"],
            kind=entry["kind"],
            description=entry["description"],
            legal_reference=entry["legal_reference"],
            legal_url=entry["legal_url"],
            schema=entry["schema"],
        )
        RuleVersion.objects.bulk_create(
            RuleVersion(
                rule=rule,
                value=clean_value(entry["kind"], version["value"], entry["schema"]),
                valid_from=version["valid_from"],
                reason=version["reason"],
                status="published",
                is_seed=True,
            )
            for version in entry["versions"]
        )
    InvoiceLine = apps.get_model("invoicing", "InvoiceLine")
    drafts = InvoiceLine.objects.filter(invoice__status="draft", vat_basis="")
    for category, basis in OLD_MEANING.items():
        drafts.filter(vat_category=category).update(vat_basis=basis)
    belgian = drafts.filter(vat_category="AE", invoice__client__country="BE")
    belgian.update(vat_basis="be_cocontractor")
    drafts.filter(vat_category="AE").update(vat_basis="eu_services")


def unseed(apps, schema_editor):
    from invoicing.catalogue import CATALOGUE

    keys = tuple(entry["key"] for entry in CATALOGUE)
    marks = ", ".join(["%s"] * len(keys))
    rules = f"SELECT id FROM rules_rule WHERE key IN ({marks})"
    schema_editor.execute(
        f"DELETE FROM rules_historicalruleversion WHERE rule_id IN ({rules})", keys
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE rules_ruleversion DISABLE TRIGGER rules_version_is_final"
        )
        schema_editor.execute(f"DELETE FROM rules_ruleversion WHERE rule_id IN ({rules})", keys)
        # Deleting versions queued the foreign-key checks of the tables that
        # point to them (deferred): run them now, or the trigger cannot change.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE rules_ruleversion ENABLE TRIGGER rules_version_is_final")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS rules_version_no_delete")
        schema_editor.execute(f"DELETE FROM rules_ruleversion WHERE rule_id IN ({rules})", keys)
    schema_editor.execute(f"DELETE FROM rules_rule WHERE key IN ({marks})", keys)


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0010_vat_bases"),
        ("rules", "0004_seed_catalogue"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
