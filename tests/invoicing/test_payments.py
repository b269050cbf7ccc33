"""Payments of invoices, sending, and late-payment interest (issue 5, Follow
up): at most what is due, never dated in the future, append-only; interest
per half-year at the rule's rate and the fixed €40 for business clients."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from invoicing import services
from invoicing.models import InvoicePayment, InvoiceStatus, PaymentSource
from members.models import Member
from smartcoop.lib.numbers import NOT_A_NUMBER, TOO_PRECISE
from tests.factories import ClientFactory, MemberFactory, StaffFactory
from tests.invoicing.support import TODAY, counts, credit, draft, issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def me() -> Member:
    return MemberFactory(status="member")


def _pay(invoice, amount, value_date=TODAY, **kwargs):
    kwargs.setdefault("acting_user", StaffFactory())
    return services.invoice_payment_register(
        invoice=invoice, amount=amount, value_date=value_date, **kwargs
    )


def test_a_partial_then_the_full_payment(me):
    invoice = issued(me)  # 540.00 + 113.40 VAT = 653.40
    first = _pay(invoice, Decimal("300.00"), value_date=TODAY)
    assert (first.amount, first.source) == (Decimal("300.00"), PaymentSource.MANUAL)
    assert first.transaction_id.startswith("manual-")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    assert (invoice.amount_paid, invoice.amount_due, invoice.paid_on) == (
        Decimal("300.00"),
        Decimal("353.40"),
        None,
    )
    paid_on = TODAY + datetime.timedelta(days=5)  # in the past once the suite runs
    _pay(invoice, Decimal("353.40"), value_date=paid_on)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.amount_paid == Decimal("653.40") and invoice.amount_due == Decimal("0.00")
    assert invoice.paid_on == paid_on
    assert list(invoice.payments.values_list("amount", flat=True)) == [
        Decimal("300.00"),
        Decimal("353.40"),
    ]
    # A paid invoice waits for nothing more.
    with pytest.raises(ValidationError) as exc:
        _pay(invoice, Decimal("0.01"))
    assert exc.value.messages == [str(services.PAYMENT_NOT_OPEN)]


def test_a_sent_invoice_then_paid(me):
    invoice = issued(me)
    sent = services.invoice_mark_sent(invoice=invoice, acting_user=me.user)
    assert sent.status == InvoiceStatus.SENT and sent.sent_at is not None
    with pytest.raises(ValidationError) as exc:
        services.invoice_mark_sent(invoice=invoice, acting_user=me.user)
    assert exc.value.messages == [str(services.ALREADY_SENT)]
    _pay(invoice, Decimal("100"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID and invoice.sent_at == sent.sent_at
    with pytest.raises(ValidationError) as exc:
        services.invoice_mark_sent(invoice=draft(me), acting_user=me.user)
    assert exc.value.messages == [str(services.NOT_ISSUED_NOT_SENT)]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("653.41"), services.PAYMENT_TOO_MUCH % {"due": "653.40"}),
        (Decimal("1000"), services.PAYMENT_TOO_MUCH % {"due": "653.40"}),
        (Decimal("0"), services.PAYMENT_NOT_POSITIVE),
        (Decimal("0.00"), services.PAYMENT_NOT_POSITIVE),
        (Decimal("-10"), services.PAYMENT_NOT_POSITIVE),
        (Decimal("NaN"), NOT_A_NUMBER),
        (Decimal("10.005"), TOO_PRECISE % {"places": 2}),
    ],
)
def test_bad_amounts_are_refused(me, amount, message):
    invoice = issued(me)
    staff = StaffFactory()
    before = counts()
    with pytest.raises(ValidationError) as exc:
        _pay(invoice, amount, acting_user=staff)
    assert exc.value.message_dict == {"amount": [str(message)]}
    assert counts() == before
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (InvoiceStatus.ISSUED, Decimal("0.00"))


def test_more_than_what_remains_after_a_credit_note_is_refused(me):
    invoice = issued(me)
    (line,) = invoice.lines.values_list("pk", flat=True)
    credit(invoice, quantities={line: Decimal("2")})  # 108.90 credited
    with pytest.raises(ValidationError) as exc:
        _pay(invoice, Decimal("544.51"))
    assert exc.value.message_dict == {
        "amount": [str(services.PAYMENT_TOO_MUCH % {"due": "544.50"})]
    }
    _pay(invoice, Decimal("544.50"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_payment_dated_in_the_future_is_refused(me):
    invoice = issued(me)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        _pay(invoice, Decimal("10"), value_date=timezone.localdate() + datetime.timedelta(days=1))
    assert exc.value.message_dict == {"value_date": [str(services.PAYMENT_DATE_FUTURE)]}
    assert counts() == before


def test_drafts_and_credit_notes_take_no_payment(me):
    note = credit(issued(me))
    before = counts()
    for target in (draft(me), note):
        with pytest.raises(ValidationError) as exc:
            _pay(target, Decimal("1"))
        assert exc.value.messages == [str(services.PAYMENT_NOT_OPEN)]
    assert counts()["InvoicePayment"] == before["InvoicePayment"]


def test_a_bank_transaction_is_recorded_once(me):
    invoice = issued(me)
    staff = StaffFactory()
    _pay(
        invoice,
        Decimal("100"),
        acting_user=staff,
        source=PaymentSource.BANK,
        transaction_id="KBC-1",
    )
    with pytest.raises(ValidationError) as exc:
        _pay(
            invoice,
            Decimal("100"),
            acting_user=staff,
            source=PaymentSource.BANK,
            transaction_id="KBC-1",
        )
    assert exc.value.messages == [str(services.PAYMENT_ALREADY_RECORDED)]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00")


def test_payments_are_append_only_in_the_model(me):
    payment = _pay(issued(me), Decimal("100"))
    payment.amount = Decimal("50.00")
    with pytest.raises(ValidationError):
        payment.save()
    with pytest.raises(ValidationError):
        payment.delete()
    assert InvoicePayment.objects.get().amount == Decimal("100.00")


# --- Late payment --------------------------------------------------------------------

ISSUED_ON = datetime.date(2025, 5, 1)  # due 31/05/2025


def _overdue(me: Member, **client_kwargs):
    client = ClientFactory(member=me, **client_kwargs)
    return issued(me, today=ISSUED_ON, client=client)  # 653.40


def test_interest_per_half_year_and_the_fixed_compensation(me):
    invoice = _overdue(me)
    assert invoice.due_date == datetime.date(2025, 5, 31)
    today = datetime.date(2025, 8, 14)
    late = services.late_payment(invoice=invoice, today=today)
    assert late is not None
    assert late.days_late == 75
    # H1 2025 at 11.5%, H2 2025 at 10.5% (the rule's half-yearly versions)
    assert late.periods == [
        (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30), Decimal("11.5")),
        (datetime.date(2025, 7, 1), datetime.date(2025, 8, 14), Decimal("10.5")),
    ]
    exact = (
        Decimal("653.40") * Decimal("11.5") / 100 * 30 / 365
        + Decimal("653.40") * Decimal("10.5") / 100 * 45 / 365
    )
    assert (
        late.interest == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal("14.63")
    )
    assert late.compensation == Decimal("40.00")


def test_interest_over_a_year_boundary_and_on_what_remains_due(me):
    invoice = _overdue(me)
    services.invoice_payment_register(
        invoice=invoice,
        amount=Decimal("153.40"),
        value_date=datetime.date(2025, 6, 10),
        acting_user=me.user,
    )
    invoice.refresh_from_db()
    today = datetime.date(2026, 1, 10)
    late = services.late_payment(invoice=invoice, today=today)
    assert late is not None
    assert [(start, end) for start, end, _rate in late.periods] == [
        (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30)),
        (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31)),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 10)),
    ]
    assert [rate for *_dates, rate in late.periods] == [
        Decimal("11.5"),
        Decimal("10.5"),
        Decimal("10.5"),
    ]
    outstanding = Decimal("500.00")
    exact = (
        outstanding * Decimal("11.5") / 100 * 30 / 365
        + outstanding * Decimal("10.5") / 100 * 184 / 365
        + outstanding * Decimal("10.5") / 100 * 10 / 365
    )
    assert (
        late.interest == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal("32.63")
    )
    assert late.days_late == (today - invoice.due_date).days == 224


def test_no_late_payment_figures_when_nothing_is_late(me):
    invoice = _overdue(me)
    assert services.late_payment(invoice=invoice, today=datetime.date(2025, 5, 31)) is None
    assert services.late_payment(invoice=invoice, today=datetime.date(2025, 6, 1)) is not None
    # A private person: no automatic interest or compensation.
    person = _overdue(me, kind="person", vat_number="", enterprise_number="")
    assert services.late_payment(invoice=person, today=datetime.date(2025, 8, 14)) is None
    # Paid in full, or fully credited: nothing is due.
    services.invoice_payment_register(
        invoice=invoice,
        amount=Decimal("653.40"),
        value_date=datetime.date(2025, 7, 1),
        acting_user=me.user,
    )
    invoice.refresh_from_db()
    assert services.late_payment(invoice=invoice, today=datetime.date(2025, 8, 14)) is None
    credited = _overdue(me)
    credit(credited, today=datetime.date(2025, 6, 2))
    credited.refresh_from_db()
    assert services.late_payment(invoice=credited, today=datetime.date(2025, 8, 14)) is None
