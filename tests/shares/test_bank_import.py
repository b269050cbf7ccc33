"""Booking a bank statement: exact matches booked, the rest listed, all or
nothing per line, and never twice for the same bank line."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from members.models import ConsentKind
from shares import services
from shares.models import Payment, RegisterEntry
from smartcoop.lib.ogm import ogm_format, ogm_from_number
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import bank_statement

pytestmark = pytest.mark.django_db


def test_exact_partial_unknown_and_malformed_lines_then_the_same_file_again():
    staff = StaffFactory()
    member = MemberFactory()
    subscription = services.share_subscribe(
        member=member, quantity=2, accepted=ConsentKind.values, acting_user=member.user
    )
    other = services.share_subscribe(
        member=MemberFactory(), quantity=1, accepted=ConsentKind.values, acting_user=staff
    )
    unknown = ogm_format(ogm_from_number(999_999_999))
    data = bank_statement(
        f"20/11/2026;60,00;EUR;{ogm_format(subscription.structured_reference)};A;BE68539007547034;T1",
        f"21/11/2026;25,00;EUR;{ogm_format(other.structured_reference)};B;;T2",
        f"21/11/2026;30,00;EUR;{unknown};C;;T3",
        "32/13/2026;abc;EUR;nothing;D;;T4",
        "22/11/2026;30,00;USD;+++000/0000/00097+++;E;;T5",
    )
    report = services.share_bank_import(data=data, file_name="kbc.csv", acting_user=staff).report
    assert report["counts"] == {"booked": 1, "to_resolve": 3, "error": 1}
    outcomes = {line["line_number"]: line["outcome"] for line in report["lines"]}
    assert outcomes == {2: "booked", 3: "to_resolve", 4: "to_resolve", 5: "error", 6: "to_resolve"}
    subscription.refresh_from_db()
    assert subscription.status == "paid"
    assert RegisterEntry.objects.count() == 1
    problems = set(Payment.objects.filter(status="to_resolve").values_list("problem", flat=True))
    assert problems == {
        "wrong amount: 25.00 received, 30.00 due",
        str(services.UNKNOWN_REFERENCE),
        str(services.NOT_EURO),
    }

    again = services.share_bank_import(data=data, file_name="kbc.csv", acting_user=staff).report
    assert again["counts"] == {"already_recorded": 4, "error": 1}
    assert Payment.objects.count() == 4
    assert RegisterEntry.objects.count() == 1

    # A person books the partial payment once the rest arrives... here: closes it.
    partial = Payment.objects.get(transaction_id="T2")
    with pytest.raises(ValidationError):
        services.share_payment_resolve(payment=partial, acting_user=staff, subscription=other)
    services.share_payment_resolve(payment=partial, acting_user=staff, note="refunded to B")
    partial.refresh_from_db()
    assert partial.status == "resolved"


def test_a_file_without_a_header_is_refused_whole():
    with pytest.raises(ValidationError) as exc:
        services.share_bank_import(
            data=b"hello;world\n1;2\n", file_name="x.csv", acting_user=StaffFactory()
        )
    assert "file" in exc.value.message_dict
    assert not Payment.objects.exists()


def test_resolving_books_against_the_right_subscription():
    staff = StaffFactory()
    member = MemberFactory()
    subscription = services.share_subscribe(
        member=member, quantity=1, accepted=ConsentKind.values, acting_user=member.user
    )
    data = bank_statement("20/11/2026;30,00;EUR;shares for Sofie;A;;T9")  # no reference given
    services.share_bank_import(data=data, file_name="b.csv", acting_user=staff)
    payment = Payment.objects.get()
    assert payment.status == "to_resolve"
    services.share_payment_resolve(payment=payment, acting_user=staff, subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.status == "paid"
    assert RegisterEntry.objects.get().amount == Decimal("30.00")
