"""Bank lines with an invoice's reference that waited for a person: staff book
them on an invoice or record how they were settled, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoicing import services
from invoicing.models import InvoicePayment, InvoiceStatus, UnmatchedBankLine
from tests.factories import StaffFactory, issued_invoice

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
