import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from invoicing.models import Invoice
from members.models import Member
from rules import services
from rules.models import PUBLISHED_IS_FINAL, Rule, RuleVersion
from tests.factories import (
    LegalFactory,
    MemberFactory,
    RuleFactory,
    StaffFactory,
    draft_invoice,
    published_version,
)
from tests.helpers import first_of_next_month, logged_in
from tests.shares.support import subscribed

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule():
    rule = RuleFactory(key="test.admin_rate", kind="percentage")
    published_version(rule, datetime.date(2020, 1, 1), "6.5")
    return rule


def test_legal_team_drafts_in_the_admin_and_errors_are_shown(rule):
    legal = LegalFactory()
    client = logged_in(legal)
    add = reverse("admin:rules_ruleversion_add") + f"?rule={rule.pk}"
    page = client.get(add)
    assert page.status_code == 200
    data = {"rule": rule.pk, "valid_from": "2020-02-01", "value_plain": "150", "reason": ""}
    response = client.post(add, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"valid_from", "value_plain", "reason"}
    assert not RuleVersion.objects.filter(status="draft").exists()

    data.update(valid_from=first_of_next_month().isoformat(), value_plain="7", reason="GA decision")
    response = client.post(add, data)
    assert response.status_code == 302
    draft = RuleVersion.objects.get(status="draft")
    assert (draft.value, draft.author) == ("7", legal)
    change_page = client.get(reverse("admin:rules_ruleversion_change", args=[draft.pk]))
    html = change_page.content.decode()
    assert "- 6.5 %" in html and "+ 7 %" in html  # the diff against the version in force


def test_text_rules_take_three_languages():
    rule = RuleFactory(key="test.mention", kind="text")
    published_version(rule, datetime.date(2020, 1, 1), {"nl": "a", "fr": "b", "en": "c"})
    client = logged_in(LegalFactory())
    add = reverse("admin:rules_ruleversion_add") + f"?rule={rule.pk}"
    base = {"rule": rule.pk, "valid_from": first_of_next_month().isoformat(), "reason": "wording"}
    response = client.post(add, {**base, "value_nl": "x", "value_fr": "y", "value_en": ""})
    assert "value_en" in response.context["adminform"].form.errors
    response = client.post(add, {**base, "value_nl": "x", "value_fr": "y", "value_en": "z"})
    assert response.status_code == 302
    assert RuleVersion.objects.get(status="draft").value == {"nl": "x", "fr": "y", "en": "z"}


def test_publish_action_by_a_second_legal_member(rule, django_capture_on_commit_callbacks):
    author, approver = LegalFactory(), LegalFactory()
    draft = services.rule_version_draft(
        rule=rule, value="7", valid_from=first_of_next_month(), reason="GA", acting_user=author
    )
    changelist = reverse("admin:rules_ruleversion_changelist")
    response = logged_in(author).post(
        changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "second member of the legal team" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(approver).post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert (draft.status, draft.approver) == ("published", approver)


def test_other_staff_read_but_cannot_change(rule):
    staff = StaffFactory()
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_rule", "view_ruleversion"])
    )
    client = logged_in(staff)
    assert client.get(reverse("admin:rules_rule_changelist")).status_code == 200
    assert client.get(reverse("admin:rules_ruleversion_add")).status_code == 403
    version = rule.versions.get()
    assert (
        client.get(reverse("admin:rules_ruleversion_change", args=[version.pk])).status_code == 200
    )
    changelist = client.get(reverse("admin:rules_ruleversion_changelist"))
    action_form = changelist.context["action_form"]  # None when no action is allowed
    assert action_form is None or "publish" not in dict(action_form.fields["action"].choices)


def test_published_version_is_read_only_in_the_admin(rule):
    client = logged_in(LegalFactory())
    version = rule.versions.get()
    url = reverse("admin:rules_ruleversion_change", args=[version.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    client.post(
        url, {"rule": rule.pk, "valid_from": "2020-01-01", "value_plain": "99", "reason": "x"}
    )
    version.refresh_from_db()
    assert version.value == "6.5"
    assert (
        client.get(reverse("admin:rules_ruleversion_delete", args=[version.pk])).status_code == 403
    )


def test_rule_list_shows_value_today_and_next_change(rule, django_assert_max_num_queries):
    author, approver = LegalFactory(), LegalFactory()
    draft = services.rule_version_draft(
        rule=rule, value="7", valid_from=first_of_next_month(), reason="GA", acting_user=author
    )
    services.rule_version_publish(version=draft, acting_user=approver)
    client = logged_in(author)
    response = client.get(reverse("admin:rules_rule_changelist"), {"q": "test.admin_rate"})
    html = response.content.decode()
    assert "6.5 %" in html
    assert f"{first_of_next_month():%d/%m/%Y}: 7 %" in html
    timeline = client.get(reverse("admin:rules_rule_change", args=[rule.pk])).content.decode()
    assert "Draft a new version" in timeline and "GA" in timeline


def test_preview_lists_what_changes(rule):
    author = LegalFactory()
    day = first_of_next_month()
    services.rule_version_draft(
        rule=rule, value="7", valid_from=day, reason="GA", acting_user=author
    )
    client = logged_in(author)
    url = reverse("admin:rules_rule_preview")
    response = client.get(url, {"on": day.isoformat()})
    assert "test.admin_rate" not in response.content.decode()  # not published yet
    response = client.get(url, {"on": day.isoformat(), "include_drafts": "on"})
    assert [c.rule.key for c, _reach in response.context["changes"]] == ["test.admin_rate"]


def test_rule_list_query_count_does_not_grow_with_rows(django_assert_max_num_queries):
    client = logged_in(LegalFactory())
    url = reverse("admin:rules_rule_changelist")
    client.get(url)  # warm the session and the catalogue cache
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    baseline = len(few.captured_queries)  # read now: each request resets the query log
    for i in range(30):
        published_version(RuleFactory(key=f"more.rule_{i:02d}"), datetime.date(2020, 1, 1), "1")
    client.get(url)  # the catalogue is cached again
    # session, user, MFA, permissions, counts, rules with their next change (one subquery)
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


def test_version_list_query_count_does_not_grow_with_rows(rule, django_assert_max_num_queries):
    author = LegalFactory()
    client = logged_in(author)
    url = reverse("admin:rules_ruleversion_changelist")
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for i in range(30):
        services.rule_version_draft(
            rule=rule,
            value=str(i),
            valid_from=first_of_next_month() + datetime.timedelta(days=i),
            reason="bulk",
            acting_user=author,
        )
    # versions with their rule, author and approver in one select
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


def test_an_edited_draft_saves_in_the_admin_and_records_its_editor(rule):
    """The edit form shows the rule read-only, so the rule is not in its data:
    saving used to fail with KeyError 'value' (a 500 on every edit)."""
    author, editor = LegalFactory(), LegalFactory()
    draft = services.rule_version_draft(
        rule=rule, value="7", valid_from=first_of_next_month(), reason="GA", acting_user=author
    )
    url = reverse("admin:rules_ruleversion_change", args=[draft.pk])
    data = {"valid_from": first_of_next_month().isoformat(), "value_plain": "7,5", "reason": "GA"}
    response = logged_in(editor).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.value == "7.5"
    assert list(draft.editors.all()) == [editor]
    assert draft.history.first().history_user == editor
    # The author editing their own draft is no second pair of eyes: not listed.
    logged_in(author).post(url, {**data, "value_plain": "7.25"})
    draft.refresh_from_db()
    assert (draft.value, list(draft.editors.all())) == ("7.25", [editor])


def test_an_editor_cannot_approve_the_draft_a_third_lawyer_can(
    rule, django_capture_on_commit_callbacks
):
    lawyer_a, lawyer_b, lawyer_c = LegalFactory(), LegalFactory(), LegalFactory()
    draft = services.rule_version_draft(
        rule=rule, value="7", valid_from=first_of_next_month(), reason="GA", acting_user=lawyer_a
    )
    url = reverse("admin:rules_ruleversion_change", args=[draft.pk])
    data = {"valid_from": first_of_next_month().isoformat(), "value_plain": "8", "reason": "GA"}
    assert logged_in(lawyer_b).post(url, data).status_code == 302
    changelist = reverse("admin:rules_ruleversion_changelist")
    publish = {"action": "publish", "_selected_action": [draft.pk]}
    refused = logged_in(lawyer_b).post(changelist, publish, follow=True)
    assert str(services.EDITOR_APPROVAL) in refused.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.approver) == ("draft", None)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(lawyer_c).post(changelist, publish)
    draft.refresh_from_db()
    assert (draft.status, draft.approver, draft.value) == ("published", lawyer_c, "8")


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("0.065", ("0.065 %", "6.5 %")),  # a fraction typed where percent points are meant
        ("0,07", ("0.07 %", "7 %")),
    ],
)
def test_a_value_a_hundred_times_off_shows_both_readings_and_saves_nothing(rule, typed, readings):
    client = logged_in(LegalFactory())
    add = reverse("admin:rules_ruleversion_add") + f"?rule={rule.pk}"
    data = {
        "rule": rule.pk,
        "valid_from": first_of_next_month().isoformat(),
        "value_plain": typed,
        "reason": "GA",
    }
    response = client.post(add, data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["value_plain"]
    assert readings[0] in message and readings[1] in message and "6.5 %" in message
    assert not RuleVersion.objects.filter(status="draft").exists()


def test_a_money_rule_typed_in_cents_is_caught():
    rule = RuleFactory(key="test.fee", kind="money")
    published_version(rule, datetime.date(2020, 1, 1), {"amount": "30.00", "currency": "EUR"})
    with pytest.raises(ValidationError) as refused:
        services.rule_version_draft(
            rule=rule,
            value="3000",
            valid_from=first_of_next_month(),
            reason="GA",
            acting_user=LegalFactory(),
        )
    [message] = refused.value.message_dict["value"]
    assert "€3,000.00" in message and "€30.00" in message
    assert not RuleVersion.objects.filter(status="draft").exists()


def test_opening_a_published_version_says_why_it_cannot_change(rule):
    version = rule.versions.get()
    response = logged_in(LegalFactory()).get(
        reverse("admin:rules_ruleversion_change", args=[version.pk])
    )
    assert str(PUBLISHED_IS_FINAL) in [str(m) for m in response.context["messages"]]


def test_what_changes_says_what_each_change_reaches(rule):
    author = LegalFactory()
    day = first_of_next_month()
    for key, value in [
        ("invoicing.contribution_rate", "7"),
        ("shares.minimum_to_join", "2"),
        ("test.admin_rate", "7"),
    ]:
        services.rule_version_draft(
            rule=Rule.objects.get(key=key),
            value=value,
            valid_from=day,
            reason="GA",
            acting_user=author,
        )
    draft_invoice(MemberFactory())
    draft_invoice(MemberFactory())
    subscribed(MemberFactory(), 1)
    response = logged_in(author).get(
        reverse("admin:rules_rule_preview"), {"on": day.isoformat(), "include_drafts": "on"}
    )
    reach = {
        c.rule.key: [(str(label), n) for label, n in r] for c, r in response.context["changes"]
    }
    assert reach["invoicing.contribution_rate"] == [
        ("draft invoices", Invoice.objects.filter(status="draft").count())
    ]
    members = Member.objects.filter(status="member").count()
    assert reach["shares.minimum_to_join"] == [
        ("members", members),
        ("subscriptions awaiting payment", 1),
    ]
    assert reach["test.admin_rate"] == [], reach  # nothing registered for its prefix
    assert f"{members} members" in response.content.decode()


def test_the_rules_list_reads_as_people_read_it():
    client = logged_in(LegalFactory())
    html = client.get(reverse("admin:rules_rule_changelist"), {"all": ""}).content.decode()
    assert 'field-value_today">6.5 %<' in html  # the contribution, in percent
    assert 'field-value_today">30 days<' in html  # invoicing.payment_term_default, not P30D
    assert 'field-value_today">10 years<' in html  # invoicing.retention_period, not P10Y
    assert "€30.00" in html  # shares.nominal_value, with its symbol
    assert '<table class="rule-value">' in html  # vat.categories as a small table
    assert "In per cent: type 6.5 for six and a half per cent" in html  # unit and example
