import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rules import selectors, services
from rules.models import PUBLISHED_IS_FINAL, RuleVersion
from tests.factories import LegalFactory, RuleFactory, StaffFactory, published_version
from tests.helpers import first_of_next_month

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def rule():
    rule = RuleFactory(key="test.contribution_rate", kind="percentage")
    published_version(rule, datetime.date(2020, 1, 1), "6.5")
    return rule


@pytest.fixture
def author():
    return LegalFactory()


@pytest.fixture
def approver():
    return LegalFactory()


def _draft(rule, author, valid_from=None, value="7"):
    return services.rule_version_draft(
        rule=rule,
        value=value,
        valid_from=valid_from or first_of_next_month(),
        reason="General meeting of 2026-11-20",
        acting_user=author,
    )


def test_four_eyes_publish(rule, author, approver, django_capture_on_commit_callbacks):
    draft = _draft(rule, author)
    assert draft.status == "draft"
    with pytest.raises(ValidationError) as exc:
        services.rule_version_publish(version=draft, acting_user=author)
    assert exc.value.messages == [str(services.SELF_APPROVAL)]
    with django_capture_on_commit_callbacks(execute=True):
        published = services.rule_version_publish(version=draft, acting_user=approver)
    assert (published.status, published.author, published.approver) == (
        "published",
        author,
        approver,
    )
    history = [
        (h.history_user, h.history_change_reason) for h in published.history.order_by("history_id")
    ]
    assert history == [(author, "drafted"), (approver, "approved and published")]


def test_staff_outside_legal_cannot_draft_or_publish(rule, author):
    staff = StaffFactory()
    with pytest.raises(PermissionDenied):
        _draft(rule, staff)
    draft = _draft(rule, author)
    with pytest.raises(PermissionDenied):
        services.rule_version_publish(version=draft, acting_user=staff)
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize(
    ("value", "field"),
    [("101", "value"), ("six", "value")],
)
def test_bad_value_saves_nothing(rule, author, value, field):
    with pytest.raises(ValidationError) as exc:
        _draft(rule, author, value=value)
    assert field in exc.value.message_dict
    assert not RuleVersion.objects.filter(status="draft").exists()


def test_valid_from_in_the_past_is_refused(rule, author, approver):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _draft(rule, author, valid_from=yesterday)
    assert exc.value.message_dict == {"valid_from": [str(services.VALID_FROM_IN_PAST)]}
    # a draft for today is fine, but it must be published today
    draft = _draft(rule, author, valid_from=timezone.localdate())
    RuleVersion.objects.filter(pk=draft.pk).update(valid_from=yesterday)  # it went stale
    with pytest.raises(ValidationError):
        services.rule_version_publish(version=draft, acting_user=approver)


def test_overlapping_versions_are_refused(rule, author, approver):
    first = _draft(rule, author)
    second = _draft(rule, author, value="8")  # two drafts for one date may coexist
    services.rule_version_publish(version=first, acting_user=approver)
    with pytest.raises(ValidationError) as exc:
        services.rule_version_publish(version=second, acting_user=approver)
    assert "already takes effect" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        _draft(rule, author, value="9")
    # and the database says so too
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersion.objects.create(
            rule=rule,
            valid_from=first.valid_from,
            value="1",
            reason="x",
            status="published",
            is_seed=True,
        )


def test_published_versions_refuse_edit_and_delete_in_code_and_in_the_database(rule):
    version = rule.versions.get()
    version.value = "99"
    with pytest.raises(ValidationError) as exc:
        version.save()
    assert exc.value.messages == [str(PUBLISHED_IS_FINAL)]
    with pytest.raises(ValidationError):
        version.delete()
    with pytest.raises(ValidationError):
        RuleVersion.objects.filter(pk=version.pk).update(value="99")
    with pytest.raises(ValidationError):
        RuleVersion.objects.filter(pk=version.pk).delete()
    for sql in (
        "UPDATE rules_ruleversion SET value = '\"99\"' WHERE id = %s",
        "DELETE FROM rules_ruleversion WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="published"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [version.pk])
    version.refresh_from_db()
    assert version.value == "6.5"


def test_drafts_can_be_edited_and_deleted(rule, author):
    draft = _draft(rule, author)
    services.rule_version_draft_update(
        version=draft, value="7.25", valid_from=draft.valid_from, reason="typo", acting_user=author
    )
    draft.refresh_from_db()
    assert draft.value == "7.25"
    services.rule_version_draft_delete(version=draft, acting_user=author)
    assert not RuleVersion.objects.filter(pk=draft.pk).exists()


def test_a_value_changes_exactly_on_its_valid_from(rule, author, approver):
    change_day = first_of_next_month()
    draft = _draft(rule, author, valid_from=change_day, value="7")
    services.rule_version_publish(version=draft, acting_user=approver)
    selectors.catalogue_invalidate()
    day_before = selectors.rule_on(rule.key, on=change_day - datetime.timedelta(days=1))
    on_the_day = selectors.rule_on(rule.key, on=change_day)
    assert day_before.value == Decimal("6.5")
    assert on_the_day.value == Decimal("7")
    assert on_the_day.version_id == draft.pk
    assert selectors.rule_on(rule.key, on=change_day + datetime.timedelta(days=400)).value == 7


def test_publish_invalidates_the_cache(rule, author, approver, django_capture_on_commit_callbacks):
    change_day = timezone.localdate()
    assert selectors.rule_value(rule.key, on=change_day) == Decimal("6.5")  # now cached
    draft = _draft(rule, author, valid_from=change_day, value="7")
    with django_capture_on_commit_callbacks(execute=True):
        services.rule_version_publish(version=draft, acting_user=approver)
    assert selectors.rule_value(rule.key, on=change_day) == Decimal("7")


def test_unknown_key_fails_loudly_and_missing_version_too(rule):
    with pytest.raises(selectors.UnknownRuleKey):
        selectors.rule_value("no.such.key")
    with pytest.raises(selectors.NoVersionInForce):
        selectors.rule_value(rule.key, on=datetime.date(2019, 12, 31))
    ruleset = selectors.rules_on([rule.key])
    with pytest.raises(selectors.UnknownRuleKey):
        ruleset["another.key"]


def test_reading_twenty_keys_costs_one_query_then_none(django_assert_num_queries):
    keys = []
    for i in range(20):
        rule = RuleFactory(key=f"bench.key_{i:02d}", kind="integer")
        published_version(rule, datetime.date(2020, 1, 1), i)
        keys.append(rule.key)
    selectors.catalogue_invalidate()
    # one: the rules joined with their versions
    with django_assert_num_queries(1):
        first = selectors.rules_on(keys, on=TODAY)
    with django_assert_num_queries(0):
        again = selectors.rules_on(keys, on=TODAY)
    assert [first.value(k) for k in keys] == list(range(20)) == [again.value(k) for k in keys]


def test_provenance_records_and_finds_the_versions(rule):
    ruleset = selectors.rules_on([rule.key], on=TODAY)
    provenance = ruleset.provenance()
    assert provenance == {rule.key: rule.versions.get().pk}
    assert list(selectors.rule_versions_for(provenance)) == [rule.versions.get()]


def test_versions_taking_effect_soon(rule, author, approver):
    soon = timezone.localdate() + datetime.timedelta(days=10)
    later = timezone.localdate() + datetime.timedelta(days=40)
    for day in (soon, later):
        services.rule_version_publish(
            version=_draft(rule, author, valid_from=day), acting_user=approver
        )
    _draft(rule, author, valid_from=timezone.localdate() + datetime.timedelta(days=5), value="8")
    today = timezone.localdate()
    soon_versions = selectors.rule_versions_taking_effect(within_days=14, today=today)
    assert [v.valid_from for v in soon_versions] == [soon]
    assert len(selectors.rule_versions_taking_effect(within_days=60, today=today)) == 2


def test_changes_from_a_date_with_and_without_drafts(rule, author, approver):
    day = first_of_next_month()
    _draft(rule, author, valid_from=day, value="7")
    assert selectors.rule_changes_from(day) == []
    changes = selectors.rule_changes_from(day, include_drafts=True)
    assert [(c.rule.key, c.before, c.after, c.version.status) for c in changes] == [
        (rule.key, "6.5 %", "7 %", "draft")
    ]


def test_a_key_added_after_the_catalogue_was_cached_is_found():
    selectors.rule_value("shares.nominal_value")  # caches the catalogue
    late = RuleFactory(key="late.key", kind="integer")
    published_version(late, datetime.date(2020, 1, 1), 3)
    assert selectors.rule_value("late.key") == 3
    with pytest.raises(selectors.UnknownRuleKey):
        selectors.rule_value("never.added")


def test_the_seed_catalogue_holds_todays_belgian_values():
    ruleset = selectors.rules_on(
        [
            "shares.nominal_value",
            "invoicing.contribution_rate",
            "vat.rates.standard",
            "invoicing.payment_term_default",
            "invoicing.payment_term_max_b2b",
            "invoicing.recovery_compensation",
            "shares.refund_term",
        ],
        on=TODAY,
    )
    assert str(ruleset.value("shares.nominal_value")) == "€30.00"
    assert ruleset.value("invoicing.contribution_rate") == Decimal("6.5")
    assert ruleset.value("vat.rates.standard") == Decimal("21")
    assert ruleset.value("invoicing.payment_term_default").days == 30
    assert ruleset.value("invoicing.payment_term_max_b2b").days == 60
    assert ruleset.value("invoicing.recovery_compensation").amount == Decimal("40.00")
    assert ruleset.value("shares.refund_term").years == 3
