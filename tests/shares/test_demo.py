"""The demo share data (shares.demo.seed_shares) is as consistent as the
services would make it: valid unique references, a gapless register, and
per member the register equals paid subscriptions minus exits."""

import pytest
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from members.demo import seed_members
from members.models import ConsentKind, Member, Status
from rules.selectors import rule_on
from shares.demo import seed_shares
from shares.models import (
    EntryType,
    ExitRequest,
    ExitStatus,
    Payment,
    RegisterEntry,
    ShareCounter,
    Subscription,
    SubscriptionStatus,
)
from smartcoop.lib.ogm import ogm_from_number, ogm_is_valid

pytestmark = pytest.mark.django_db


def _quiet(*_args: object) -> None:
    pass


def _sum(queryset: QuerySet, field: str) -> Coalesce:
    """A correlated per-member Sum, 0 when there is nothing to add up."""
    total = queryset.filter(member=OuterRef("pk")).values("member").annotate(n=Sum(field))
    return Coalesce(Subquery(total.values("n")[:1]), Value(0), output_field=IntegerField())


@pytest.fixture
def seeded() -> dict[str, int]:
    assert seed_members(200, log=_quiet) == 200
    return seed_shares(log=_quiet)


def test_counts_match_the_rows(seeded):
    assert seeded["members"] == 200
    assert seeded["subscriptions"] == Subscription.objects.count() > 200
    assert seeded["payments"] == Payment.objects.count() == seeded["paid"]
    assert seeded["register_entries"] == RegisterEntry.objects.count()
    assert seeded["exits"] == ExitRequest.objects.count()
    assert seeded["awaiting_payment"] == Member.objects.filter(status=Status.APPLICANT).count()


def test_structured_references_are_valid_unique_and_from_the_counter(seeded):
    references = list(Subscription.objects.values_list("structured_reference", flat=True))
    assert all(ogm_is_valid(r) for r in references)
    assert len(set(references)) == len(references)
    counter = ShareCounter.objects.get()
    expected = {ogm_from_number(1_000_000_000 + n) for n in range(1, counter.last_reference + 1)}
    assert set(references) == expected


def test_register_numbers_are_unique_and_consecutive(seeded):
    numbers = list(RegisterEntry.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert ShareCounter.objects.get().last_entry == len(numbers)


def test_register_equals_paid_subscriptions_minus_exits_per_member(seeded):
    paid = Subscription.objects.filter(status=SubscriptionStatus.PAID)
    exits = ExitRequest.objects.filter(status__in=[ExitStatus.APPROVED, ExitStatus.REFUNDED])
    rows = list(
        Member.objects.annotate(
            held=_sum(RegisterEntry.objects.all(), "quantity"),
            bought=_sum(paid, "quantity"),
            left=_sum(exits, "quantity"),
        ).values_list("member_number", "status", "held", "bought", "left")
    )
    assert len(rows) == 200
    for number, status, held, bought, left in rows:
        assert held == bought - left, number
        if status == Status.MEMBER:
            assert held >= 1, number
        else:  # applicants have not paid yet; resigned members have left
            assert held == 0, (number, status)
    statuses = {status for _n, status, *_rest in rows}
    assert statuses == {Status.MEMBER, Status.APPLICANT, Status.RESIGNED}


def test_entries_mirror_subscriptions_payments_and_refunds(seeded):
    for subscription in Subscription.objects.all():
        nominal = rule_on("shares.nominal_value", on=subscription.subscribed_on)
        assert subscription.unit_price == nominal.value.amount
        assert subscription.amount == subscription.unit_price * subscription.quantity
        assert subscription.rules_used["shares.nominal_value"] == nominal.version_id
    assert (
        RegisterEntry.objects.filter(entry_type=EntryType.SUBSCRIPTION_PAID).count()
        == seeded["paid"]
    )
    assert not Payment.objects.exclude(transaction_id__startswith="demo-").exists()
    for exit_request in ExitRequest.objects.all():
        entries = RegisterEntry.objects.filter(exit_request=exit_request)
        assert entries.get(entry_type=EntryType.EXIT).quantity == -exit_request.quantity
        if exit_request.status == ExitStatus.REFUNDED:
            refund = entries.get(entry_type=EntryType.REFUND)
            assert exit_request.refunded_amount is not None
            assert (refund.quantity, refund.amount) == (0, -exit_request.refunded_amount)
            assert refund.effective_on == exit_request.refunded_on
        else:
            assert not entries.filter(entry_type=EntryType.REFUND).exists()


def test_seeding_again_adds_nothing(seeded):
    assert seed_shares(log=_quiet)["subscriptions"] == 0
    assert RegisterEntry.objects.count() == seeded["register_entries"]


def test_status_changes_take_effect_with_the_register(seeded):
    from members.models import StatusChange

    for change in StatusChange.objects.filter(to_status=Status.MEMBER):
        first = RegisterEntry.objects.filter(member=change.member).order_by("effective_on")[0]
        assert change.effective_on == first.effective_on
    for change in StatusChange.objects.filter(to_status=Status.RESIGNED):
        exit_entry = RegisterEntry.objects.get(member=change.member, entry_type=EntryType.EXIT)
        assert change.effective_on == exit_entry.effective_on


def test_the_services_carry_on_after_the_demo_data(seeded):
    """Numbers, references and ids continue after the bulk-created rows."""
    from shares import services
    from tests.factories import StaffFactory

    counter = ShareCounter.objects.get()
    awaiting = Subscription.objects.filter(status=SubscriptionStatus.AWAITING_PAYMENT).first()
    assert awaiting is not None
    payment = services.share_payment_register(
        subscription=awaiting,
        amount=awaiting.amount,
        value_date=awaiting.subscribed_on,
        acting_user=StaffFactory(),
    )
    entry = RegisterEntry.objects.get(subscription=awaiting)
    assert entry.number == counter.last_entry + 1
    assert payment.pk > Payment.objects.exclude(pk=payment.pk).latest("pk").pk
    member = Member.objects.get(pk=awaiting.member_id)
    assert member.status == Status.MEMBER
    more = services.share_subscribe(
        member=member, quantity=1, accepted=ConsentKind.values, acting_user=member.user
    )
    assert more.structured_reference == ogm_from_number(1_000_000_000 + counter.last_reference + 1)
