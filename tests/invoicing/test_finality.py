"""An issued invoice or credit note never changes and is never deleted
(issue 5, Rules to hold): guarded in the model, and on PostgreSQL by the
triggers of migration 0002 whatever the code path."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from invoicing import services
from invoicing.models import (
    FOLLOW_UP_FIELDS,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
)
from members.models import Member
from tests.factories import MemberFactory
from tests.invoicing.support import TODAY, credit, draft, issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def me() -> Member:
    return MemberFactory(status="member")


def test_the_model_and_the_trigger_agree_on_the_follow_up_columns():
    migration = importlib.import_module("invoicing.migrations.0002_issued_documents_are_final")
    assert frozenset(migration.FOLLOW_UP) == FOLLOW_UP_FIELDS
    assert len(migration.FOLLOW_UP) == len(FOLLOW_UP_FIELDS)  # no duplicate hides a difference
    content = {f.attname for f in Invoice._meta.concrete_fields} - FOLLOW_UP_FIELDS
    assert {"total_net", "number", "sequence", "buyer", "seller", "mentions", "issue_date"} <= (
        content
    )


# --- The model guard -----------------------------------------------------------------


def test_an_issued_invoice_cannot_be_saved_or_deleted_through_the_model(me):
    invoice = issued(me)
    invoice.total_net = Decimal("1.00")
    for update_fields in (None, ["total_net"], ["status", "total_net"]):
        with pytest.raises(ValidationError) as exc:
            if update_fields is None:
                invoice.save()
            else:
                invoice.save(update_fields=update_fields)
        assert exc.value.code == "issued_is_final"
    with pytest.raises(ValidationError) as exc:
        invoice.delete()
    assert exc.value.code == "issued_is_final"
    # Loaded afresh, as the admin or a shell would.
    fresh = Invoice.objects.get(pk=invoice.pk)
    fresh.notes = "changed"
    with pytest.raises(ValidationError):
        fresh.save()
    with pytest.raises(ValidationError):
        fresh.delete()
    # The follow-up columns may change.
    fresh = Invoice.objects.get(pk=invoice.pk)
    fresh.sent_at = timezone.now()
    fresh.status = InvoiceStatus.SENT
    fresh.save(update_fields=["sent_at", "status", "updated_at"])
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.total_net, stored.notes, stored.status) == (
        Decimal("540.00"),
        "",
        InvoiceStatus.SENT,
    )


def test_the_lines_of_an_issued_invoice_cannot_change_through_the_model(me):
    invoice = issued(me)
    line = invoice.lines.get()
    line.quantity = Decimal("1")
    with pytest.raises(ValidationError) as exc:
        line.save()
    assert exc.value.code == "issued_is_final"
    with pytest.raises(ValidationError):
        line.delete()
    with pytest.raises(ValidationError):
        InvoiceLine(
            invoice=invoice,
            position=2,
            description="Extra",
            quantity=1,
            unit_price=1,
            vat_category="S",
            vat_rate=21,
            net_amount=1,
        ).save()
    assert list(invoice.lines.values_list("quantity", flat=True)) == [Decimal("12.000")]


def test_a_drafts_lines_and_the_draft_itself_change_freely(me):
    invoice = draft(me)
    line = invoice.lines.get()
    line.description = "Changed"
    line.save()
    invoice.notes = "Changed too"
    invoice.save()
    line.delete()
    invoice.delete()
    assert not Invoice.objects.exists()


# --- The PostgreSQL triggers ---------------------------------------------------------


def _refused_by_the_database(sql: str, params: list[int]) -> None:
    with pytest.raises(IntegrityError, match=r"issued|append-only"):  # noqa: SIM117
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.mark.parametrize(
    "assignment",
    [
        "total_net = total_net + 1",
        "number = 'F2026-999999'",
        "sequence = 99",
        "issue_date = issue_date - 1",
        "buyer = '{}'::jsonb",
        "mentions = '[\"forged\"]'::jsonb",
        "notes = 'changed'",
        "status = 'draft'",
        "status = 'paid', total_gross = 0",  # a follow-up change does not carry content along
    ],
)
def test_the_database_refuses_to_change_an_issued_invoice(me, assignment):
    invoice = issued(me)
    _refused_by_the_database(
        f"UPDATE invoicing_invoice SET {assignment} WHERE id = %s",
        [invoice.pk],
    )
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.number, stored.total_net, stored.status) == (
        "F2026-000001",
        Decimal("540.00"),
        InvoiceStatus.ISSUED,
    )


def test_the_database_lets_the_follow_up_change(me):
    invoice = issued(me)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_invoice SET status = 'partly_paid', amount_paid = 1, "
            "sent_at = now(), updated_at = now() WHERE id = %s",
            [invoice.pk],
        )
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PARTLY_PAID


def test_the_database_refuses_to_delete_an_issued_invoice_or_credit_note(me):
    invoice = issued(me)
    note = credit(invoice, reason="x")
    for document in (note, invoice):
        _refused_by_the_database("DELETE FROM invoicing_invoice WHERE id = %s", [document.pk])
        # A queryset delete (the admin's bulk action) goes past the model guard.
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.filter(pk=document.pk).delete()
    assert Invoice.objects.count() == 2
    assert InvoiceLine.objects.count() == 2


def test_the_database_refuses_to_touch_the_lines_of_an_issued_invoice(me):
    invoice = issued(me)
    line = invoice.lines.get()
    _refused_by_the_database(
        "UPDATE invoicing_invoiceline SET quantity = 1 WHERE id = %s", [line.pk]
    )
    _refused_by_the_database("DELETE FROM invoicing_invoiceline WHERE id = %s", [line.pk])
    _refused_by_the_database(
        "INSERT INTO invoicing_invoiceline (invoice_id, position, description, quantity, unit, "
        "unit_price, vat_category, vat_rate, net_amount) "
        "VALUES (%s, 2, 'Extra', 1, 'C62', 1, 'S', 21, 1)",
        [invoice.pk],
    )
    # Moving a line of a draft onto an issued invoice is refused too.
    other = draft(me)
    _refused_by_the_database(
        "UPDATE invoicing_invoiceline SET invoice_id = %s, position = 9 WHERE invoice_id = %s",
        [invoice.pk, other.pk],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(quantity=Decimal("1"))
    assert list(InvoiceLine.objects.filter(invoice=invoice).values_list("quantity", flat=True)) == [
        Decimal("12.000")
    ]


def test_the_database_refuses_to_change_or_delete_a_payment(me):
    invoice = issued(me)
    payment = services.invoice_payment_register(
        invoice=invoice, amount=Decimal("100"), value_date=TODAY, acting_user=me.user
    )
    _refused_by_the_database(
        "UPDATE invoicing_invoicepayment SET amount = 1 WHERE id = %s", [payment.pk]
    )
    _refused_by_the_database("DELETE FROM invoicing_invoicepayment WHERE id = %s", [payment.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoicePayment.objects.filter(pk=payment.pk).update(note="edited")
    assert InvoicePayment.objects.get().amount == Decimal("100.00")


def test_the_database_lets_drafts_change(me):
    invoice = draft(me, supply_date=TODAY - datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_invoiceline SET quantity = 2 WHERE invoice_id = %s", [invoice.pk]
        )
        cursor.execute("UPDATE invoicing_invoice SET notes = 'ok' WHERE id = %s", [invoice.pk])
        cursor.execute("DELETE FROM invoicing_invoiceline WHERE invoice_id = %s", [invoice.pk])
        cursor.execute("DELETE FROM invoicing_invoice WHERE id = %s", [invoice.pk])
    assert not Invoice.objects.exists()
