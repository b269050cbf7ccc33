"""The governance rules (governance/catalogue.py) in the rules catalogue, checked
like any version the legal team drafts."""

from django.db import migrations


def seed(apps, schema_editor):
    from governance.catalogue import CATALOGUE
    from rules.values import clean_value

    Rule = apps.get_model("rules", "Rule")
    RuleVersion = apps.get_model("rules", "RuleVersion")
    for entry in CATALOGUE:
        if Rule.objects.filter(key=entry["key"]).exists():
            continue
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
    from governance.catalogue import KEYS

    keys = list(KEYS)
    Rule = apps.get_model("rules", "Rule")
    ids = list(Rule.objects.filter(key__in=keys).values_list("pk", flat=True))
    if not ids:
        return
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE rules_ruleversion DISABLE TRIGGER rules_version_is_final")
        schema_editor.execute(
            "DELETE FROM rules_ruleversion WHERE is_seed AND rule_id = ANY(%s)", [ids]
        )
        # Deleting versions queued the foreign-key checks of the tables that
        # point to them (deferred): run them now, or the trigger cannot change.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE rules_ruleversion ENABLE TRIGGER rules_version_is_final")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
        Rule.objects.filter(pk__in=ids).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial"), ("rules", "0004_seed_catalogue")]
    operations = [migrations.RunPython(seed, unseed)]
