"""Payments of invoices (one by one or from a bank statement) and the
late-payment interest and compensation of overdue ones."""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicing.models import (
    ClientKind,
    DocumentKind,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    PaymentSource,
    UnmatchedBankLine,
)
from invoicing.services.common import (
    LATE_INTEREST_RATE,
    NOT_EURO,
    PAYMENT_ALREADY_RECORDED,
    PAYMENT_DATE_FUTURE,
    PAYMENT_NOT_OPEN,
    PAYMENT_NOT_POSITIVE,
    PAYMENT_TOO_MUCH,
    RECOVERY_COMPENSATION,
    UNKNOWN_INVOICE_REFERENCE,
    field_error,
)
from rules.selectors import rules_on
from smartcoop.lib.audit import audited
from smartcoop.lib.money import round_cents
from smartcoop.lib.numbers import check_decimal

# --- Payments ------------------------------------------------------------------------


def invoice_payment_register(
    *,
    invoice: Invoice,
    amount: Decimal,
    value_date: datetime.date,
    acting_user: User,
    source: str = PaymentSource.MANUAL,
    transaction_id: str = "",
    communication: str = "",
    counterparty_name: str = "",
    counterparty_iban: str = "",
    note: str = "",
) -> InvoicePayment:
    """Book money received for an issued invoice; at most what is still due
    (an overpayment waits for a person, it is not booked here)."""
    try:
        parsed = check_decimal(amount, places=2)
    except ValidationError as exc:
        raise ValidationError({"amount": exc}) from exc
    if parsed <= 0:
        raise field_error("amount", PAYMENT_NOT_POSITIVE)
    if value_date > timezone.localdate():
        raise field_error("value_date", PAYMENT_DATE_FUTURE)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.kind != DocumentKind.INVOICE or locked.status not in (
            InvoiceStatus.ISSUED,
            InvoiceStatus.SENT,
            InvoiceStatus.PARTLY_PAID,
        ):
            raise ValidationError(PAYMENT_NOT_OPEN)
        if parsed > locked.amount_due:
            raise field_error("amount", PAYMENT_TOO_MUCH, due=str(locked.amount_due))
        transaction_id = transaction_id or f"manual-{uuid.uuid4()}"
        if InvoicePayment.objects.filter(transaction_id=transaction_id).exists():
            raise ValidationError(PAYMENT_ALREADY_RECORDED)
        payment = InvoicePayment.objects.create(
            invoice=locked,
            amount=parsed,
            value_date=value_date,
            source=source,
            transaction_id=transaction_id[:128],
            communication=communication[:200],
            counterparty_name=counterparty_name[:200],
            counterparty_iban=counterparty_iban[:34],
            note=note[:300],
            recorded_by=acting_user,
        )
        locked.amount_paid += parsed
        locked.status = locked.follow_up_status()
        if locked.status == InvoiceStatus.PAID:
            locked.paid_on = value_date
        audited(locked, acting_user=acting_user, reason=f"payment {parsed} on {value_date}")
        locked.save(update_fields=["amount_paid", "status", "paid_on", "updated_at"])
    return payment


def invoice_reference_claims(reference: str) -> bool:
    """Whether a structured reference belongs to the invoices' range."""
    return len(reference) == 12 and reference[:10].isdigit() and reference[0] == "2"


@dataclass(frozen=True)
class BankLineOutcome:
    outcome: str  # booked | to_resolve | already_recorded
    message: str


def invoice_bank_line_book(
    *,
    structured_reference: str,
    amount: Decimal,
    currency: str,
    value_date: datetime.date,
    transaction_id: str,
    communication: str,
    counterparty_name: str,
    counterparty_iban: str,
    file_name: str,
    acting_user: User,
) -> BankLineOutcome:
    """Book one bank statement line that carries an invoice's structured
    reference (called by the bank statement upload, shares.services, through
    smartcoop.lib.bankrouting). An exact or partial payment is booked; an
    unknown reference, an overpayment or a foreign currency waits for a
    person. A bank line is recorded once, whatever the number of uploads."""
    seen = InvoicePayment.objects.filter(transaction_id=transaction_id).exists()
    if seen or UnmatchedBankLine.objects.filter(transaction_id=transaction_id).exists():
        return BankLineOutcome("already_recorded", str(PAYMENT_ALREADY_RECORDED))
    invoice = (
        Invoice.objects.filter(structured_reference=structured_reference, kind=DocumentKind.INVOICE)
        .exclude(status=InvoiceStatus.DRAFT)
        .first()
    )
    problem: Any = None
    if currency != "EUR":
        problem = NOT_EURO
    elif invoice is None:
        problem = UNKNOWN_INVOICE_REFERENCE
    else:
        try:
            with transaction.atomic():
                invoice_payment_register(
                    invoice=invoice,
                    amount=amount,
                    value_date=min(value_date, timezone.localdate()),
                    acting_user=acting_user,
                    source=PaymentSource.BANK,
                    transaction_id=transaction_id,
                    communication=communication,
                    counterparty_name=counterparty_name,
                    counterparty_iban=counterparty_iban,
                    note=file_name,
                )
            return BankLineOutcome("booked", invoice.number)
        except ValidationError as exc:
            problem = "; ".join(exc.messages)
        except IntegrityError:
            return BankLineOutcome("already_recorded", str(PAYMENT_ALREADY_RECORDED))
    try:
        with transaction.atomic():
            UnmatchedBankLine.objects.create(
                transaction_id=transaction_id[:128],
                structured_reference=structured_reference,
                amount=amount,
                currency=currency[:3],
                value_date=value_date,
                communication=communication[:200],
                counterparty_name=counterparty_name[:200],
                counterparty_iban=counterparty_iban[:34],
                problem=str(problem)[:200],
                file_name=file_name[:200],
                recorded_by=acting_user,
            )
    except IntegrityError:
        return BankLineOutcome("already_recorded", str(PAYMENT_ALREADY_RECORDED))
    return BankLineOutcome("to_resolve", str(problem))


# --- Late payment --------------------------------------------------------------------


PAYMENT_ALREADY_REVERSED = _("This payment has already been reversed.")
PAYMENT_IS_A_REVERSAL = _("A reversal cannot be reversed; register the payment again.")
REVERSAL_NOTE_REQUIRED = _("Say why the payment is reversed.")


def invoice_payment_reverse(
    *, payment: InvoicePayment, acting_user: User, note: str
) -> InvoicePayment:
    """Undo a payment booked by mistake (wrong invoice, bounced transfer).
    Payments are append-only: the reversal is a new payment of the opposite
    amount that points to it, and the invoice's paid amount and status follow."""
    note = (note or "").strip()
    if not note:
        raise field_error("note", REVERSAL_NOTE_REQUIRED)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        original = InvoicePayment.objects.select_for_update().get(pk=payment.pk)
        if original.reverses_id is not None:
            raise ValidationError(PAYMENT_IS_A_REVERSAL)
        if InvoicePayment.objects.filter(reverses=original).exists():
            raise ValidationError(PAYMENT_ALREADY_REVERSED)
        reversal = InvoicePayment.objects.create(
            invoice=invoice,
            amount=-original.amount,
            value_date=timezone.localdate(),
            source=PaymentSource.MANUAL,
            transaction_id=f"reversal-{original.pk}",
            note=note[:300],
            reverses=original,
            recorded_by=acting_user,
        )
        invoice.amount_paid -= original.amount
        invoice.status = invoice.follow_up_status()
        if invoice.status != InvoiceStatus.PAID:
            invoice.paid_on = None
        audited(invoice, acting_user=acting_user, reason=f"payment reversed: {note[:200]}")
        invoice.save(update_fields=["amount_paid", "status", "paid_on", "updated_at"])
    return reversal


UNMATCHED_ALREADY_RESOLVED = _("This bank line has already been resolved.")
UNMATCHED_NOTE_REQUIRED = _("Say how the bank line was resolved (booked, refunded, ...).")


def unmatched_bank_line_resolve(
    *,
    line: UnmatchedBankLine,
    acting_user: User,
    note: str,
    invoice: Invoice | None = None,
) -> UnmatchedBankLine:
    """Close a bank line that waited for a person: book it on `invoice` (its
    amount, date and bank transaction id; the usual checks apply) or, with
    no invoice, only record how it was settled (refunded to the payer,
    booked elsewhere). Once resolved it stays resolved."""
    note = (note or "").strip()
    if not note:
        raise field_error("note", UNMATCHED_NOTE_REQUIRED)
    with transaction.atomic():
        locked = UnmatchedBankLine.objects.select_for_update().get(pk=line.pk)
        if locked.resolved:
            raise ValidationError(UNMATCHED_ALREADY_RESOLVED)
        if invoice is not None:
            invoice_payment_register(
                invoice=invoice,
                amount=locked.amount,
                value_date=locked.value_date,
                acting_user=acting_user,
                source=PaymentSource.BANK,
                transaction_id=locked.transaction_id,
                communication=locked.communication,
                counterparty_name=locked.counterparty_name,
                counterparty_iban=locked.counterparty_iban,
                note=note,
            )
        locked.resolved = True
        locked.resolution_note = note[:300]
        locked.save(update_fields=["resolved", "resolution_note"])
    return locked


@dataclass(frozen=True)
class LatePayment:
    days_late: int
    interest: Decimal
    compensation: Decimal
    periods: list[tuple[datetime.date, datetime.date, Decimal]]  # (from, to, yearly rate %)


def late_payment(*, invoice: Invoice, today: datetime.date) -> LatePayment | None:
    """Interest and the fixed compensation due on an overdue invoice to a
    business client (law of 2 August 2002, art. 5 and 6): the outstanding
    amount × the rate in force for each half-year × days / 365, from the day
    after the due date to today. None when nothing is due. Consumers fall
    under the Code of economic law (book XIX) and get no automatic figure."""
    if not invoice.is_overdue(today) or invoice.buyer.get("kind") != ClientKind.COMPANY:
        return None
    assert invoice.due_date is not None
    start = invoice.due_date + datetime.timedelta(days=1)
    outstanding = invoice.amount_due
    periods: list[tuple[datetime.date, datetime.date, Decimal]] = []
    interest = Decimal(0)
    cursor = start
    while cursor <= today:
        half_end = (
            datetime.date(cursor.year, 6, 30)
            if cursor.month <= 6
            else datetime.date(cursor.year, 12, 31)
        )
        end = min(half_end, today)
        rate = Decimal(rules_on([LATE_INTEREST_RATE], on=cursor).value(LATE_INTEREST_RATE))
        days = (end - cursor).days + 1
        interest += outstanding * rate / Decimal(100) * days / Decimal(365)
        periods.append((cursor, end, rate))
        cursor = end + datetime.timedelta(days=1)
    compensation = rules_on([RECOVERY_COMPENSATION], on=start).value(RECOVERY_COMPENSATION)
    return LatePayment(
        days_late=(today - invoice.due_date).days,
        interest=round_cents(interest),
        compensation=Decimal(compensation.amount),
        periods=periods,
    )
