"""The activity account (issue 17): income on issue, reversal on credit,
transfers between a member's own activities, a balance never negative, and
entries that never change."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from compliance.registry import CHECKS, Context
from invoicing import extensions
from invoicing.models import Invoice
from pay import services
from pay.models import ActivityAccount, EntryKind, LedgerEntry
from pay.selectors import account_balance, balance_mismatches, ledger_entries
from tests.clock import TODAY
from tests.factories import ActivityFactory, MemberFactory
from tests.invoicing.support import credit, issued
from tests.pay.support import assert_consistent, balance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

# The default line: 12 x 45.00 excl. VAT = 540.00; the 6.5% contribution 35.10.
SHARE = Decimal("504.90")


@pytest.fixture
def member():
    return MemberFactory(status="member")


@pytest.fixture
def activity(member):
    return ActivityFactory(member=member)


def test_an_issued_invoice_brings_its_net_less_the_contribution(member, activity):
    invoice = issued(member, activity=activity)
    assert invoice.total_net - invoice.contribution == SHARE
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after) == (EntryKind.INCOME, SHARE, SHARE)
    assert (entry.invoice_id, entry.date, entry.label) == (invoice.pk, TODAY, invoice.number)
    assert entry.created_by == member.user
    assert balance(activity) == SHARE
    assert_consistent(activity)


def test_a_credit_note_reverses_its_share(member, activity):
    invoice = issued(member, activity=activity)
    line = invoice.lines.get()
    note = credit(invoice, quantities={line.pk: Decimal(4)})
    reversal = LedgerEntry.objects.get(invoice=note)
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.amount == -(note.total_net - note.contribution) == Decimal("-168.30")
    assert balance(activity) == SHARE - Decimal("168.30") == reversal.balance_after
    credit(invoice)  # the rest
    assert balance(activity) == 0
    assert_consistent(activity)


def test_a_credit_note_the_balance_cannot_cover_is_refused_and_nothing_is_kept(member, activity):
    invoice = issued(member, activity=activity)
    other = ActivityFactory(member=member)
    services.budget_transfer(
        source=activity, target=other, amount=Decimal("500.00"), acting_user=member.user
    )
    documents, entries = Invoice.objects.count(), LedgerEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        credit(invoice)
    assert "whose balance is only €4.90" in str(refused.value)
    assert (Invoice.objects.count(), LedgerEntry.objects.count()) == (documents, entries)
    assert balance(activity) == Decimal("4.90")
    assert_consistent(activity)


def test_the_issue_hook_posts_once(member, activity):
    invoice = issued(member, activity=activity)
    again = services.invoice_entry_post(invoice)
    assert again == LedgerEntry.objects.get()
    assert balance(activity) == SHARE


def test_a_transfer_moves_budget_between_two_own_activities(member, activity):
    issued(member, activity=activity)
    other = ActivityFactory(member=member)
    out, into = services.budget_transfer(
        source=activity, target=other, amount=Decimal("100.00"), acting_user=member.user
    )
    assert (out.amount, into.amount) == (Decimal("-100.00"), Decimal("100.00"))
    assert into.counterpart == out and out.kind == into.kind == EntryKind.TRANSFER
    assert (balance(activity), balance(other)) == (SHARE - 100, Decimal("100.00"))
    assert (out.date, into.date) == (TODAY, TODAY)


@pytest.mark.parametrize(
    ("amount", "field", "message"),
    [
        (Decimal("504.91"), "amount", "The balance of"),
        (Decimal("0"), "amount", "greater than zero"),
        (Decimal("-5"), "amount", "greater than zero"),
        (Decimal("1.005"), "amount", "decimal"),
        (Decimal("NaN"), "amount", "number"),
    ],
)
def test_a_transfer_refuses_bad_amounts_and_changes_nothing(
    member, activity, amount, field, message
):
    issued(member, activity=activity)
    other = ActivityFactory(member=member)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.budget_transfer(
            source=activity, target=other, amount=amount, acting_user=member.user
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert (balance(activity), balance(other), LedgerEntry.objects.count()) == (SHARE, 0, 1)


def test_a_transfer_stays_within_one_members_activities(member, activity):
    issued(member, activity=activity)
    stranger = ActivityFactory()
    archived = ActivityFactory(member=member, archived=True)
    with translation.override("en"):
        for target, message in [
            (stranger, "your own activities"),
            (activity, "two different activities"),
            (archived, "archived"),
        ]:
            with pytest.raises(ValidationError) as refused:
                services.budget_transfer(
                    source=activity, target=target, amount=Decimal(1), acting_user=member.user
                )
            assert message in refused.value.message_dict["target"][0]
    assert LedgerEntry.objects.count() == 1


def test_messages_are_translated(member, activity):
    issued(member, activity=activity)
    other = ActivityFactory(member=member)
    for language, word in [("nl", "saldo"), ("fr", "solde")]:
        with translation.override(language), pytest.raises(ValidationError) as refused:
            services.budget_transfer(
                source=activity, target=other, amount=Decimal(9999), acting_user=member.user
            )
        with translation.override(language):
            assert word in refused.value.message_dict["amount"][0]


def test_entries_never_change_and_the_balance_is_never_negative(member, activity):
    issued(member, activity=activity)
    entry = LedgerEntry.objects.get()
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    for attempt in (
        lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal(1)),
        lambda: LedgerEntry.objects.filter(pk=entry.pk).delete(),
        lambda: ActivityAccount.objects.filter(pk=activity.pk).update(balance=Decimal(-1)),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    assert_consistent(activity)


def test_reading_the_balance_is_one_query_without_a_sum(
    member, activity, django_assert_num_queries
):
    issued(member, activity=activity)
    with django_assert_num_queries(1) as captured:
        assert account_balance(activity) == SHARE
    assert "SUM" not in captured.captured_queries[0]["sql"].upper()
    assert account_balance(ActivityFactory()) == 0
    assert list(ledger_entries(activity)) == list(LedgerEntry.objects.all())


def test_the_balance_check_finds_nothing_when_consistent_and_each_kind_of_drift(
    member, activity, django_assert_num_queries
):
    issued(member, activity=activity)
    second = ActivityFactory(member=member)
    issued(member, activity=second)
    # 1 accounts with their sums, 2 last running balances, 3 the invoices' implication.
    with django_assert_num_queries(3):
        assert list(balance_mismatches()) == []
    ActivityAccount.objects.filter(pk=activity.pk).update(balance=Decimal("1.00"))
    found = list(balance_mismatches())
    assert [(m.activity_id, m.balance, m.entries) for m in found] == [
        (activity.pk, Decimal("1.00"), SHARE)
    ]
    # An issued document without its entry (issued while pay was not wired).
    ActivityAccount.objects.filter(pk=activity.pk).update(balance=SHARE)
    third = ActivityFactory(member=member)
    extensions.on_issue("pay", lambda invoice: None)
    try:
        issued(member, activity=third)
    finally:
        extensions.on_issue("pay", services.invoice_entry_post)
    found = list(balance_mismatches())
    assert [(m.activity_id, m.label, m.from_entries, m.from_invoices) for m in found] == [
        (third.pk, third.name, 0, SHARE)
    ]


def test_the_nightly_check_reports_a_drift_as_a_finding_in_each_language(member, activity):
    issued(member, activity=activity)
    check = CHECKS["pay.balance"]
    context = Context(today=TODAY, now=timezone.now())
    assert list(check.find(context)) == []
    ActivityAccount.objects.filter(pk=activity.pk).update(balance=Decimal("1234.50"))
    [problem] = check.find(context)
    assert problem.key == f"activity:{activity.pk}"
    assert problem.subject == ("invoicing.activity", activity.pk)
    with translation.override("en"):
        assert check.describe(problem.details).startswith(
            "Balance €1,234.50; its entries add up to €504.90"
        )
    with translation.override("nl"):
        assert "€ 1.234,50" in check.describe(problem.details)
        assert "Saldo" in check.describe(problem.details)
    with translation.override("fr"):
        assert "Solde" in check.describe(problem.details)
