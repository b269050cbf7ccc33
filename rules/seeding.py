"""Seeding rule keys from a catalogue, and taking them out again, for the
data migrations of every app that brings keys of its own (rules 0004,
invoicing 0011, governance 0002, pay 0003) and for the test suite, which
seeds again after a transactional test emptied the tables.

Works on a migration's historical models (`apps`), never on the real ones.
Each value passes the same check as a version the legal team drafts.
"""

from typing import Any

from rules.values import clean_value

FINAL = "rules_version_is_final"  # the trigger of rules 0002: published versions never change


def seed_rules(apps: Any, catalogue: list[dict[str, Any]]) -> None:
    """Create each key of `catalogue` that does not exist yet, with its dated
    versions published as seed (approved by no one)."""
    Rule = apps.get_model("rules", "Rule")
    RuleVersion = apps.get_model("rules", "RuleVersion")
    existing = set(Rule.objects.values_list("key", flat=True))
    for entry in catalogue:
        if entry["key"] in existing:
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


def unseed_rules(apps: Any, schema_editor: Any, keys: list[str] | None = None) -> None:
    """Remove the keys (all of them when None) with their versions and their
    history: only a migration's reversal may, so the trigger that keeps
    published versions final is switched off around it."""
    Rule = apps.get_model("rules", "Rule")
    rules = Rule.objects.all() if keys is None else Rule.objects.filter(key__in=keys)
    ids = list(rules.values_list("pk", flat=True))
    if not ids:
        return
    apps.get_model("rules", "HistoricalRuleVersion").objects.filter(rule_id__in=ids).delete()
    versions = apps.get_model("rules", "RuleVersion").objects.filter(rule_id__in=ids)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE rules_ruleversion DISABLE TRIGGER rules_version_is_final"
        )
        versions.delete()
        # Deleting versions queued the foreign-key checks of the tables that
        # point to them (deferred): run them now, or the trigger cannot change.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE rules_ruleversion ENABLE TRIGGER {FINAL}")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS rules_version_no_delete")
        versions.delete()
    Rule.objects.filter(pk__in=ids).delete()
