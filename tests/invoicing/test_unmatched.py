"""Bank lines with an invoice's reference that waited for a person: staff book
them on an invoice or record how they were settled, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoicing import services
from invoicing.models import InvoicePayment, InvoiceStatus, UnmatchedBankLine
from tests.factories import StaffFactory, issued_invoice
from tests.helpers import staff_client

pytestmark = pytest.mark.django_db


def _line(amount: str, reference: str = "200000000097") -> UnmatchedBankLine:
    return UnmatchedBankLine.objects.create(
        transaction_id=f"tx-{amount}",
        structured_reference=reference,
        amount=Decimal(amount),
        value_date=datetime.date(2026, 11, 2),
        problem="unknown reference",
        recorded_by=StaffFactory(),
    )


def test_booked_on_the_right_invoice():
    invoice = issued_invoice()
    line = _line(str(invoice.total_gross))
    staff = StaffFactory()
    services.unmatched_bank_line_resolve(
        line=line, acting_user=staff, note="Client typed the reference wrong", invoice=invoice
    )
    invoice.refresh_from_db()
    line.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payment = InvoicePayment.objects.get(invoice=invoice)
    assert payment.transaction_id == line.transaction_id and payment.recorded_by == staff
    assert line.resolved and line.resolution_note == "Client typed the reference wrong"
    with pytest.raises(ValidationError) as error:
        services.unmatched_bank_line_resolve(line=line, acting_user=staff, note="again")
    assert error.value.messages == [str(services.UNMATCHED_ALREADY_RESOLVED)]


def test_too_much_for_the_invoice_leaves_the_line_open():
    invoice = issued_invoice()
    line = _line(str(invoice.total_gross + 1))
    with pytest.raises(ValidationError):
        services.unmatched_bank_line_resolve(
            line=line, acting_user=StaffFactory(), note="book it", invoice=invoice
        )
    line.refresh_from_db()
    assert not line.resolved and not InvoicePayment.objects.exists()


def test_settled_without_booking_needs_a_note():
    line = _line("12.00")
    with pytest.raises(ValidationError) as error:
        services.unmatched_bank_line_resolve(line=line, acting_user=StaffFactory(), note=" ")
    assert error.value.message_dict == {"note": [str(services.UNMATCHED_NOTE_REQUIRED)]}
    services.unmatched_bank_line_resolve(
        line=line, acting_user=StaffFactory(), note="Refunded to the payer on 3/11"
    )
    line.refresh_from_db()
    assert line.resolved and not InvoicePayment.objects.exists()


# --- Reversing a payment booked by mistake, and the back office views ----------------


def test_a_payment_is_reversed_once_and_the_invoice_follows():
    invoice = issued_invoice()
    staff = StaffFactory()
    payment = services.invoice_payment_register(
        invoice=invoice,
        amount=invoice.total_gross,
        value_date=invoice.issue_date,
        acting_user=staff,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_on is not None
    with pytest.raises(ValidationError) as error:
        services.invoice_payment_reverse(payment=payment, acting_user=staff, note="")
    assert error.value.message_dict == {"note": [str(services.REVERSAL_NOTE_REQUIRED)]}
    reversal = services.invoice_payment_reverse(
        payment=payment, acting_user=staff, note="Booked on the wrong invoice"
    )
    invoice.refresh_from_db()
    assert reversal.amount == -payment.amount and reversal.reverses == payment
    assert invoice.amount_paid == Decimal("0.00") and invoice.status == InvoiceStatus.ISSUED
    assert invoice.paid_on is None
    with pytest.raises(ValidationError) as error:
        services.invoice_payment_reverse(payment=payment, acting_user=staff, note="again")
    assert error.value.messages == [str(services.PAYMENT_ALREADY_REVERSED)]
    with pytest.raises(ValidationError) as error:
        services.invoice_payment_reverse(payment=reversal, acting_user=staff, note="undo")
    assert error.value.messages == [str(services.PAYMENT_IS_A_REVERSAL)]
    assert InvoicePayment.objects.count() == 2


def test_back_office_reverses_a_payment():
    from django.urls import reverse

    invoice = issued_invoice()
    payment = services.invoice_payment_register(
        invoice=invoice,
        amount=Decimal("10.00"),
        value_date=invoice.issue_date,
        acting_user=StaffFactory(),
    )
    url = reverse("admin:invoicing_invoicepayment_reverse", args=[payment.pk])
    viewer, _viewer = staff_client("view_invoicepayment", app_label="invoicing")
    assert viewer.post(url, {"note": "x"}).status_code == 403
    client, _staff = staff_client(
        "view_invoicepayment", "add_invoicepayment", "view_invoice", app_label="invoicing"
    )
    change = client.get(reverse("admin:invoicing_invoicepayment_change", args=[payment.pk]))
    assert url in change.content.decode()
    empty = client.post(url, {"note": ""})
    assert empty.status_code == 200 and InvoicePayment.objects.count() == 1
    done = client.post(url, {"note": "Bounced"})
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("0.00")


def test_back_office_books_an_unmatched_line_on_an_invoice():
    from django.urls import reverse

    invoice = issued_invoice()
    line = _line(str(invoice.total_gross))
    url = reverse("admin:invoicing_unmatchedbankline_resolve", args=[line.pk])
    viewer, _viewer = staff_client("view_unmatchedbankline", app_label="invoicing")
    assert viewer.get(url).status_code == 403
    client, _staff = staff_client(
        "view_unmatchedbankline", "change_unmatchedbankline", app_label="invoicing"
    )
    unknown = client.post(url, {"invoice": "F1999-000001", "note": "typo"})
    assert "No issued invoice has this number." in unknown.content.decode()
    client.post(url, {"invoice": invoice.number.lower(), "note": "Reference typed wrong"})
    line.refresh_from_db()
    invoice.refresh_from_db()
    assert line.resolved and invoice.status == InvoiceStatus.PAID
