"""The pay rules (pay/catalogue.py): contribution rates, holiday-pay
provision, the withholding-tax key formula and the payment delay, each
value checked like a version the legal team drafts. Safe to run twice (the
test suite re-seeds after emptying the tables)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pay.catalogue import CATALOGUE
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
    from pay.catalogue import KEYS

    schema_editor.execute(
        "DELETE FROM rules_historicalruleversion WHERE rule_id IN "
        "(SELECT id FROM rules_rule WHERE key LIKE 'pay.%%')"
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE rules_ruleversion DISABLE TRIGGER rules_version_is_final")
    apps.get_model("rules", "RuleVersion").objects.filter(rule__key__in=KEYS).delete()
    if schema_editor.connection.vendor == "postgresql":
        # Deleting versions queued the foreign-key checks of the tables that
        # point to them (deferred): run them now, or the trigger cannot change.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE rules_ruleversion ENABLE TRIGGER rules_version_is_final")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
    apps.get_model("rules", "Rule").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("pay", "0002_entries_are_append_only"), ("rules", "0004_seed_catalogue")]
    operations = [migrations.RunPython(seed, unseed)]
