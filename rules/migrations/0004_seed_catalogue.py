"""The seed catalogue: the Belgian values in force when the platform started,
with their sources (rules/catalogue.py, docs/rules.md). Each value passes the
same checks as a version the legal team drafts. Later changes are made by the
legal team in the admin, or by new migrations for new keys."""

from django.db import migrations


def seed(apps, schema_editor):
    from rules.catalogue import CATALOGUE
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


def unseed(apps, schema_editor):
    # The trigger protects published versions; only a reversal of this
    # migration on an empty platform may remove them.
    schema_editor.execute("DELETE FROM rules_historicalruleversion")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE rules_ruleversion DISABLE TRIGGER rules_version_is_final")
        schema_editor.execute("DELETE FROM rules_ruleversion WHERE is_seed")
        # Deleting versions queued the foreign-key checks of the tables that
        # point to them (deferred): run them now, or the trigger cannot change.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE rules_ruleversion ENABLE TRIGGER rules_version_is_final")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS rules_version_no_delete")
        schema_editor.execute("DELETE FROM rules_ruleversion WHERE is_seed")
    apps.get_model("rules", "Rule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("rules", "0003_legal_group")]
    operations = [migrations.RunPython(seed, unseed)]
