"""One bank statement upload books both ledgers (issue 5, staff): a share
subscription by the shares app, an invoice by invoicing through
smartcoop.lib.bankrouting; what cannot be booked waits for a person, and the
same file uploaded again records nothing twice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from invoicing import services as invoicing_services
from invoicing.models import InvoicePayment, InvoiceStatus, PaymentSource, UnmatchedBankLine
from members.models import ConsentKind
from shares import services as shares_services
from shares.models import Payment, RegisterEntry
from smartcoop.lib import bankrouting
from smartcoop.lib.ogm import ogm_format, ogm_from_number
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import bank_statement
from tests.invoicing.support import issued

pytestmark = pytest.mark.django_db


def test_the_invoices_ledger_claims_its_range_of_references():
    route = bankrouting.route_for(ogm_from_number(2_000_000_001))
    assert route is not None and route.name == "invoices"
    assert bankrouting.route_for(ogm_from_number(1_000_000_001)) is None  # shares' range
    assert bankrouting.route_for("") is None
    assert invoicing_services.invoice_reference_claims("200000000194")
    assert not invoicing_services.invoice_reference_claims("100000000194")
    assert not invoicing_services.invoice_reference_claims("20000000019")


def test_one_statement_books_a_share_and_invoices_and_keeps_the_rest_for_a_person():
    staff = StaffFactory()
    applicant = MemberFactory()
    subscription = shares_services.share_subscribe(
        member=applicant, quantity=2, accepted=ConsentKind.values, acting_user=applicant.user
    )
    seller = MemberFactory(status="member")
    paid_in_full = issued(seller)  # 653.40
    overpaid = issued(seller)  # 653.40
    unknown = ogm_format(ogm_from_number(2_000_000_000 + 987_654))
    data = bank_statement(
        f"20/11/2026;60,00;EUR;{ogm_format(subscription.structured_reference)};Sofie;"
        "BE68539007547034;T1",
        f"20/11/2026;653,40;EUR;{ogm_format(paid_in_full.structured_reference)};Agency;"
        "BE71096123456769;T2",
        f"21/11/2026;100,00;EUR;{unknown};Someone;;T3",
        f"21/11/2026;700,00;EUR;invoice {ogm_format(overpaid.structured_reference)};Agency;;T4",
        f"22/11/2026;100,00;EUR;{overpaid.structured_reference};Agency;;T5",
        f"22/11/2026;10,00;USD;{ogm_format(overpaid.structured_reference)};Agency;;T6",
    )
    report = shares_services.share_bank_import(
        data=data, file_name="kbc-november.csv", acting_user=staff
    ).report
    assert report["counts"] == {"booked": 3, "to_resolve": 3}
    outcomes = {line["line_number"]: (line["outcome"], line["message"]) for line in report["lines"]}
    assert outcomes[3] == ("booked", "F2026-000001")
    assert outcomes[4] == ("to_resolve", str(invoicing_services.UNKNOWN_INVOICE_REFERENCE))
    assert outcomes[5] == (
        "to_resolve",
        str(invoicing_services.PAYMENT_TOO_MUCH % {"due": "653.40"}),
    )
    assert outcomes[6] == ("booked", "F2026-000002")
    assert outcomes[7] == ("to_resolve", str(invoicing_services.NOT_EURO))
    assert outcomes[2][0] == "booked"

    # The share ledger: the subscription is paid and in the register.
    subscription.refresh_from_db()
    assert subscription.status == "paid"
    assert RegisterEntry.objects.count() == 1
    assert list(Payment.objects.values_list("transaction_id", flat=True)) == ["T1"]

    # The invoice ledger: one paid, one partly paid, each from the bank.
    paid_in_full.refresh_from_db()
    overpaid.refresh_from_db()
    assert paid_in_full.status == InvoiceStatus.PAID
    assert paid_in_full.paid_on is not None and paid_in_full.paid_on.isoformat() == "2026-11-20"
    assert overpaid.status == InvoiceStatus.PARTLY_PAID
    assert overpaid.amount_paid == Decimal("100.00")
    payments = list(
        InvoicePayment.objects.order_by("transaction_id").values_list(
            "transaction_id",
            "invoice_id",
            "amount",
            "source",
            "counterparty_iban",
            "note",
            "recorded_by",
        )
    )
    assert payments == [
        (
            "T2",
            paid_in_full.pk,
            Decimal("653.40"),
            PaymentSource.BANK,
            "BE71096123456769",
            "kbc-november.csv",
            staff.pk,
        ),
        (
            "T5",
            overpaid.pk,
            Decimal("100.00"),
            PaymentSource.BANK,
            "",
            "kbc-november.csv",
            staff.pk,
        ),
    ]

    # What could not be booked waits for a person, once each.
    unmatched = {line.transaction_id: line for line in UnmatchedBankLine.objects.all()}
    assert set(unmatched) == {"T3", "T4", "T6"}
    assert not any(line.resolved for line in unmatched.values())
    assert (unmatched["T3"].structured_reference, unmatched["T3"].amount) == (
        ogm_from_number(2_000_000_000 + 987_654),
        Decimal("100.00"),
    )
    assert unmatched["T3"].problem == str(invoicing_services.UNKNOWN_INVOICE_REFERENCE)
    assert unmatched["T4"].problem == str(invoicing_services.PAYMENT_TOO_MUCH % {"due": "653.40"})
    assert (unmatched["T4"].amount, unmatched["T4"].counterparty_name) == (
        Decimal("700.00"),
        "Agency",
    )
    assert (unmatched["T6"].currency, unmatched["T6"].problem) == (
        "USD",
        str(invoicing_services.NOT_EURO),
    )
    assert all(line.file_name == "kbc-november.csv" for line in unmatched.values())
    assert all(line.recorded_by == staff for line in unmatched.values())

    # The same file again: every line is recognised, nothing is recorded twice.
    again = shares_services.share_bank_import(
        data=data, file_name="kbc-november (1).csv", acting_user=staff
    ).report
    assert again["counts"] == {"already_recorded": 6}
    assert Payment.objects.count() == 1
    assert RegisterEntry.objects.count() == 1
    assert InvoicePayment.objects.count() == 2
    assert UnmatchedBankLine.objects.count() == 3
    overpaid.refresh_from_db()
    assert overpaid.amount_paid == Decimal("100.00")


def test_a_payment_dated_after_today_in_the_file_is_booked_on_today():
    staff = StaffFactory()
    invoice = issued(MemberFactory(status="member"))
    data = bank_statement(
        f"31/12/2099;100,00;EUR;{ogm_format(invoice.structured_reference)};Agency;;FUT1"
    )
    report = shares_services.share_bank_import(data=data, file_name="x.csv", acting_user=staff)
    assert report.report["counts"] == {"booked": 1}
    payment = InvoicePayment.objects.get()
    assert payment.value_date == timezone.localdate()


def test_staff_settle_a_waiting_bank_line_once():
    staff = StaffFactory()
    invoice = issued(MemberFactory(status="member"))  # 653.40
    unknown = ogm_format(ogm_from_number(2_000_000_000 + 987_654))
    data = bank_statement(
        f"20/11/2026;100,00;EUR;{unknown};Agency;;W1",  # the reference mistyped
        f"20/11/2026;700,00;EUR;{ogm_format(invoice.structured_reference)};Agency;;W2",
    )
    shares_services.share_bank_import(data=data, file_name="w.csv", acting_user=staff)
    mistyped = UnmatchedBankLine.objects.get(transaction_id="W1")
    overpaid = UnmatchedBankLine.objects.get(transaction_id="W2")

    with pytest.raises(ValidationError) as exc:
        invoicing_services.unmatched_bank_line_resolve(line=mistyped, acting_user=staff, note=" ")
    assert exc.value.message_dict == {"note": [str(invoicing_services.UNMATCHED_NOTE_REQUIRED)]}

    # Booked on the invoice the payer meant, with the bank line's own id and date.
    invoicing_services.unmatched_bank_line_resolve(
        line=mistyped, acting_user=staff, note="Reference mistyped", invoice=invoice
    )
    payment = InvoicePayment.objects.get()
    assert (payment.transaction_id, payment.amount, payment.value_date.isoformat()) == (
        "W1",
        Decimal("100.00"),
        "2026-11-20",
    )
    mistyped.refresh_from_db()
    assert mistyped.resolved and mistyped.resolution_note == "Reference mistyped"
    with pytest.raises(ValidationError) as exc:
        invoicing_services.unmatched_bank_line_resolve(
            line=mistyped, acting_user=staff, note="again", invoice=invoice
        )
    assert exc.value.messages == [str(invoicing_services.UNMATCHED_ALREADY_RESOLVED)]

    # More than is due cannot be booked; it is refunded and closed with a note.
    with pytest.raises(ValidationError):
        invoicing_services.unmatched_bank_line_resolve(
            line=overpaid, acting_user=staff, note="book it", invoice=invoice
        )
    overpaid.refresh_from_db()
    assert not overpaid.resolved
    invoicing_services.unmatched_bank_line_resolve(
        line=overpaid, acting_user=staff, note="Refunded to the client on 25/11"
    )
    overpaid.refresh_from_db()
    assert overpaid.resolved
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00")
    assert InvoicePayment.objects.count() == 1
    # The same file again changes nothing.
    again = shares_services.share_bank_import(data=data, file_name="w.csv", acting_user=staff)
    assert again.report["counts"] == {"already_recorded": 2}
    assert InvoicePayment.objects.count() == 1
