import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from members.models import ConsentKind, Status
from shares import selectors, services
from shares.models import (
    EntryType,
    ExitRequest,
    Payment,
    RegisterEntry,
    Subscription,
)
from smartcoop.lib.ogm import ogm_is_valid
from tests.factories import MemberFactory, StaffFactory
from tests.shares.support import subscribed

pytestmark = pytest.mark.django_db

ALL = ConsentKind.values
IN_WINDOW = datetime.date(2027, 3, 15)


@pytest.fixture
def staff():
    return StaffFactory()


def test_subscribe_prices_from_the_rule_and_gives_a_unique_valid_reference(
    django_capture_on_commit_callbacks,
):
    member = MemberFactory(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        first = subscribed(member, 2)
    second = subscribed(member, 1)
    assert (first.quantity, first.unit_price, first.amount) == (
        2,
        Decimal("30.00"),
        Decimal("60.00"),
    )
    assert first.status == "awaiting"
    assert ogm_is_valid(first.structured_reference) and ogm_is_valid(second.structured_reference)
    assert first.structured_reference != second.structured_reference
    assert set(first.rules_used) >= {"shares.nominal_value", "shares.minimum_to_join"}
    # the confirmation email, in French, with the QR code attached
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Votre souscription de parts : comment payer"
    assert "+++" in message.body and "60,00" in message.body
    assert message.attachments[0][0] == "payment-qr.png"


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, services.QUANTITY_AT_LEAST_ONE),
        (-3, services.QUANTITY_AT_LEAST_ONE),
        (10**9, None),  # absurdly large
    ],
)
def test_bad_quantities_save_nothing(quantity, message):
    member = MemberFactory()
    with pytest.raises(ValidationError) as exc:
        subscribed(member, quantity)
    if message is not None:
        assert exc.value.message_dict["quantity"] == [str(message)]
    else:
        assert "At most" in exc.value.message_dict["quantity"][0]
    assert not Subscription.objects.exists()


def test_manual_payment_makes_a_member_and_writes_the_register(staff):
    member = MemberFactory()
    subscription = subscribed(member, 2)
    paid_on = datetime.date(2026, 11, 20)
    with pytest.raises(ValidationError) as exc:
        services.share_payment_register(
            subscription=subscription,
            amount=Decimal("30.00"),
            value_date=paid_on,
            acting_user=staff,
        )
    assert "does not match" in exc.value.messages[0]
    services.share_payment_register(
        subscription=subscription, amount=Decimal("60.00"), value_date=paid_on, acting_user=staff
    )
    member.refresh_from_db()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.paid_on) == ("paid", paid_on)
    assert member.status == Status.MEMBER
    assert member.status_changes.get().effective_on == paid_on
    entry = RegisterEntry.objects.get()
    assert (entry.entry_type, entry.quantity, entry.amount, entry.effective_on) == (
        EntryType.SUBSCRIPTION_PAID,
        2,
        Decimal("60.00"),
        paid_on,
    )
    holding = selectors.member_holding(member=member, as_of=datetime.date(2026, 11, 27))
    assert (holding.shares, holding.since, holding.years_covered) == (2, paid_on, 2)
    with pytest.raises(ValidationError):  # never twice
        services.share_payment_register(
            subscription=subscription,
            amount=Decimal("60.00"),
            value_date=paid_on,
            acting_user=staff,
        )
    assert Payment.objects.count() == 1


def test_register_entries_are_append_only(staff):
    member = MemberFactory()
    subscription = subscribed(member, 1)
    services.share_payment_register(
        subscription=subscription,
        amount=Decimal("30.00"),
        value_date=datetime.date(2026, 1, 5),
        acting_user=staff,
    )
    entry = RegisterEntry.objects.get()
    entry.quantity = 5
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    for sql in (
        "UPDATE shares_registerentry SET quantity = 5 WHERE id = %s",
        "DELETE FROM shares_registerentry WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    # a mistake is corrected by a reversing entry, and the subscription follows
    reversal = services.register_entry_reverse(entry=entry, acting_user=staff, note="wrong member")
    assert (reversal.quantity, reversal.amount, reversal.reverses) == (-1, Decimal("-30.00"), entry)
    assert selectors.member_holding(member=member, as_of=datetime.date(2030, 1, 1)).shares == 0
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    with pytest.raises(ValidationError):
        services.register_entry_reverse(entry=entry, acting_user=staff, note="again")


def _member_with_shares(staff, quantity=3):
    member = MemberFactory()
    subscription = subscribed(member, quantity)
    services.share_payment_register(
        subscription=subscription,
        amount=subscription.amount,
        value_date=datetime.date(2026, 1, 10),
        acting_user=staff,
    )
    return member


def test_exit_in_the_window_refund_and_resignation(staff):
    member = _member_with_shares(staff, 3)
    exit_request = services.share_exit_request(
        member=member, quantity=3, requested_on=IN_WINDOW, acting_user=member.user
    )
    assert exit_request.effective_on == datetime.date(2027, 6, 30)
    assert exit_request.refund_due_by == datetime.date(2030, 6, 30)
    with pytest.raises(ValidationError) as exc:  # nothing left to ask for
        services.share_exit_request(
            member=member, quantity=1, requested_on=IN_WINDOW, acting_user=member.user
        )
    assert "you asked for 1" in exc.value.messages[0]
    services.share_exit_decide(exit_request=exit_request, approve=True, acting_user=staff)
    member.refresh_from_db()
    assert member.status == Status.RESIGNED
    assert member.status_changes.last().effective_on == datetime.date(2027, 6, 30)
    with pytest.raises(ValidationError) as exc:
        services.share_refund_record(
            exit_request=exit_request,
            amount=Decimal("90.01"),
            refunded_on=datetime.date(2027, 9, 1),
            acting_user=staff,
        )
    assert "at most" in exc.value.message_dict["amount"][0]
    services.share_refund_record(
        exit_request=exit_request,
        amount=Decimal("90.00"),
        refunded_on=datetime.date(2027, 9, 1),
        acting_user=staff,
    )
    types = list(RegisterEntry.objects.values_list("entry_type", "quantity", "amount"))
    assert types == [
        ("subscription", 3, Decimal("90.00")),
        ("exit", -3, Decimal("0.00")),
        ("refund", 0, Decimal("-90.00")),
    ]


def test_exit_outside_the_window_is_refused(staff):
    member = _member_with_shares(staff, 1)
    with pytest.raises(ValidationError) as exc:
        services.share_exit_request(
            member=member,
            quantity=1,
            requested_on=datetime.date(2026, 11, 27),
            acting_user=member.user,
        )
    assert "01/01/2027" in exc.value.messages[0]
    assert not ExitRequest.objects.exists()


def test_register_rows_and_totals(staff):
    a = _member_with_shares(staff, 2)
    b = _member_with_shares(staff, 5)
    rows = list(selectors.register_rows(as_of=datetime.date(2026, 11, 27)))
    assert [(r.member_number, r.shares, r.paid) for r in rows] == sorted(
        [(a.member_number, 2, Decimal("60.00")), (b.member_number, 5, Decimal("150.00"))]
    )
    assert selectors.register_totals(as_of=datetime.date(2026, 11, 27)) == {
        "shares": 7,
        "holders": 2,
    }
    assert list(selectors.register_rows(as_of=datetime.date(2026, 1, 9))) == []


def test_certificate_freezes_the_holding_and_renders_a_pdf(staff):
    from shares.documents import certificate_pdf

    member = _member_with_shares(staff, 2)
    certificate = services.share_certificate_issue(member=member, acting_user=member.user)
    second = services.share_certificate_issue(member=member, acting_user=member.user)
    assert second.number == certificate.number + 1
    assert certificate.quantity == 2
    pdf = certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_concurrent_payment_registration_books_once(seed_data):
    staff = StaffFactory()
    member = MemberFactory()
    subscription = subscribed(member, 1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book() -> None:
        barrier.wait()
        try:
            services.share_payment_register(
                subscription=subscription,
                amount=Decimal("30.00"),
                value_date=datetime.date(2026, 11, 20),
                acting_user=staff,
            )
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=book) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert RegisterEntry.objects.count() == 1
    assert Payment.objects.count() == 1


def test_no_certificate_without_shares():
    member = MemberFactory()
    with pytest.raises(ValidationError) as exc:
        services.share_certificate_issue(member=member, acting_user=member.user)
    assert exc.value.messages == [str(services.NO_SHARES_FOR_CERTIFICATE)]


def test_reversing_a_future_exit_never_counts_both(staff):
    member = _member_with_shares(staff, 2)
    exit_request = services.share_exit_request(
        member=member, quantity=2, requested_on=IN_WINDOW, acting_user=member.user
    )
    services.share_exit_decide(exit_request=exit_request, approve=True, acting_user=staff)
    member.refresh_from_db()
    assert member.status == Status.RESIGNED
    exit_entry = RegisterEntry.objects.get(entry_type=EntryType.EXIT)
    reversal = services.register_entry_reverse(entry=exit_entry, acting_user=staff, note="error")
    assert reversal.effective_on == exit_entry.effective_on  # not today
    for day in (datetime.date(2027, 1, 15), datetime.date(2027, 6, 30), datetime.date(2028, 1, 1)):
        assert services.shares_held(member=member, on=day) == 2
    member.refresh_from_db()
    assert member.status == Status.MEMBER
    exit_request.refresh_from_db()
    assert exit_request.status == "rejected"


def test_reversing_the_only_payment_makes_an_applicant_again(staff):
    member = _member_with_shares(staff, 1)
    entry = RegisterEntry.objects.get(member=member)
    services.register_entry_reverse(entry=entry, acting_user=staff, note="paid by someone else")
    member.refresh_from_db()
    assert member.status == Status.APPLICANT


def test_transfer_moves_shares_between_holders(staff):
    giver = _member_with_shares(staff, 3)
    receiver = MemberFactory()
    services.share_transfer(
        from_member=giver,
        to_member=receiver,
        quantity=3,
        transferred_on=datetime.date(2026, 11, 25),
        acting_user=staff,
    )
    assert services.shares_held(member=giver) == 0
    assert services.shares_held(member=receiver) == 3
    giver.refresh_from_db()
    receiver.refresh_from_db()
    assert (giver.status, receiver.status) == (Status.RESIGNED, Status.MEMBER)
    with pytest.raises(ValidationError):  # nothing left to give
        services.share_transfer(
            from_member=giver,
            to_member=receiver,
            quantity=1,
            transferred_on=datetime.date(2026, 11, 26),
            acting_user=staff,
        )
    with pytest.raises(ValidationError):
        services.share_transfer(
            from_member=receiver,
            to_member=receiver,
            quantity=1,
            transferred_on=datetime.date(2026, 11, 26),
            acting_user=staff,
        )
    assert services.shares_held(member=receiver) == 3


def test_exclusion_takes_all_shares_and_is_refunded_like_an_exit(staff):
    member = _member_with_shares(staff, 2)
    with pytest.raises(ValidationError):
        services.share_member_exclude(
            member=member, excluded_on=datetime.date(2026, 11, 26), acting_user=staff, reason=""
        )
    exclusion = services.share_member_exclude(
        member=member,
        excluded_on=datetime.date(2026, 11, 26),
        acting_user=staff,
        reason="General meeting of 25/11/2026",
    )
    member.refresh_from_db()
    assert member.status == Status.EXCLUDED
    assert services.shares_held(member=member) == 0
    assert exclusion.refund_due_by == datetime.date(2029, 11, 26)
    services.share_refund_record(
        exit_request=exclusion,
        amount=Decimal("60.00"),
        refunded_on=datetime.date(2027, 1, 4),
        acting_user=staff,
    )
    assert list(
        RegisterEntry.objects.filter(member=member).values_list("entry_type", flat=True)
    ) == ["subscription", "exclusion", "refund"]


def test_register_columns_net_of_reversals_and_current_holders(staff):
    keeper = _member_with_shares(staff, 2)
    mistaken = _member_with_shares(staff, 1)
    entry = RegisterEntry.objects.get(member=mistaken)
    services.register_entry_reverse(entry=entry, acting_user=staff, note="not theirs")
    later = datetime.date(2027, 1, 1)
    rows = {r.member_number: r for r in selectors.register_rows(as_of=later)}
    assert (rows[mistaken.member_number].paid, rows[mistaken.member_number].refunded) == (
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert rows[keeper.member_number].paid == Decimal("60.00")
    assert selectors.register_totals(as_of=later) == {"shares": 2, "holders": 1}
    holding = selectors.member_holding(member=mistaken, as_of=later)
    assert (holding.shares, holding.paid, holding.since) == (0, Decimal("0.00"), None)
    numbers = (keeper.member_number, keeper.member_number)
    assert [r.member_number for r in selectors.register_rows(as_of=later, numbers=numbers)] == [
        keeper.member_number
    ]
