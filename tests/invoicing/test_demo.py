"""The demo invoices (invoicing.demo.seed_invoices) are what the services
would have written: gapless, date-ordered numbers per series and year that a
real issue continues, totals from compute_totals, valid references, the
snapshots filled, credit notes that refer to their invoices, and follow-up
statuses that match the payments."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from invoicing.calculation import LineInput, compute_totals
from invoicing.models import (
    Activity,
    ActivityKind,
    Client,
    ClientKind,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    NumberCounter,
)
from invoicing.services import invoice_draft_save, invoice_issue
from invoicing.services.common import REFERENCE_BASE
from invoicing.validation import enterprise_number_is_valid, vat_number_is_valid
from members.demo import DEMO_DOMAIN, seed_demo_logins, seed_members
from members.models import Member
from smartcoop.lib.ogm import ogm_from_number, ogm_is_valid

pytestmark = pytest.mark.django_db

MEMBERS, INVOICES = 50, 500


def _quiet(*_args: object) -> None:
    pass


@pytest.fixture
def seeded() -> dict[str, int]:
    from invoicing.demo import seed_invoices

    seed_members(MEMBERS, log=_quiet)
    seed_demo_logins()
    return seed_invoices(INVOICES, log=_quiet)


def test_counts(seeded):
    issued = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
    assert seeded["invoices"] == INVOICES == issued.filter(kind=DocumentKind.INVOICE).count()
    assert seeded["credit_notes"] == issued.filter(kind=DocumentKind.CREDIT_NOTE).count() > 0
    assert seeded["drafts"] == Invoice.objects.filter(status=InvoiceStatus.DRAFT).count() >= 3
    assert seeded["lines"] == InvoiceLine.objects.exclude(invoice__status="draft").count()
    assert seeded["payments"] == InvoicePayment.objects.count() > 0
    sofie = Member.objects.get(user__email=f"sofie@{DEMO_DOMAIN}")
    assert issued.filter(member=sofie, kind=DocumentKind.INVOICE).count() == 40
    # Only members invoice; every one of them has 1 to 3 activities.
    per_member = Activity.objects.values("member").annotate(n=Count("pk"))
    assert {row["n"] for row in per_member} <= {1, 2, 3}
    assert not Activity.objects.exclude(member__status="member").exists()
    assert Activity.objects.filter(kind=ActivityKind.ARTISTIC).exists()
    statuses = set(issued.values_list("status", flat=True))
    assert {InvoiceStatus.PAID, InvoiceStatus.SENT} <= statuses


def test_numbers_are_gapless_and_in_date_order_per_series_and_year(seeded):
    rows = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .order_by("series", "year", "sequence")
        .values_list("series", "year", "sequence", "number", "issue_date", "issued_at")
    )
    by_series: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    for series, year, sequence, number, issue_date, issued_at in rows:
        prefix = "F" if series == DocumentKind.INVOICE else "C"
        assert number == f"{prefix}{year}-{sequence:06d}"
        assert issue_date is not None and year is not None
        assert issue_date.year == year
        by_series[(series, year)].append((sequence, issue_date, issued_at))
    assert by_series
    for (series, year), numbered in by_series.items():
        assert [s for s, _d, _a in numbered] == list(range(1, len(numbered) + 1))
        dates = [d for _s, d, _a in numbered]
        assert dates == sorted(dates)
        times = [a for _s, _d, a in numbered]
        assert times == sorted(times)
        assert times[-1] <= timezone.now()
        counter = NumberCounter.objects.get(series=series, year=year)
        assert counter.last_number == len(numbered)
        assert counter.last_issued_on == dates[-1]


def test_totals_are_compute_totals_of_the_lines(seeded):
    lines = defaultdict(list)
    for line in InvoiceLine.objects.all():
        lines[line.invoice_id].append(line)
    for invoice in Invoice.objects.all():
        mine = sorted(lines[invoice.pk], key=lambda x: x.position)
        assert [x.position for x in mine] == list(range(1, len(mine) + 1))
        assert 1 <= len(mine) <= 5
        totals = compute_totals(
            [LineInput(x.quantity, x.unit_price, x.vat_category, x.vat_rate) for x in mine],
            contribution_rate=invoice.contribution_rate,
        )
        assert [x.net_amount for x in mine] == totals.line_nets
        assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
            totals.net,
            totals.vat,
            totals.gross,
        )
        assert invoice.vat_breakdown == [g.as_json() for g in totals.groups]
        if invoice.kind == DocumentKind.INVOICE:
            assert invoice.contribution == totals.contribution
            assert invoice.contribution_rate == Decimal("6.50")
        assert all(x.quantity > 0 and x.unit_price >= 0 for x in mine)
    categories = set(InvoiceLine.objects.values_list("vat_category", "vat_rate"))
    assert {("S", Decimal("21.00")), ("S", Decimal("6.00")), ("E", Decimal("0.00"))} <= categories
    art44 = InvoiceLine.objects.filter(vat_category="E")
    assert not art44.exclude(invoice__activity__kind=ActivityKind.ARTISTIC).exists()


def test_references_snapshots_and_clients(seeded):
    for invoice in Invoice.objects.exclude(status=InvoiceStatus.DRAFT):
        assert invoice.structured_reference == ogm_from_number(REFERENCE_BASE + invoice.pk)
        assert ogm_is_valid(invoice.structured_reference)
        assert invoice.seller["vat_number"].startswith("BE")
        assert invoice.buyer["name"] == invoice.client.name
        assert invoice.buyer["member_number"] == str(invoice.member.member_number)
        assert invoice.buyer["activity"] == invoice.activity.name
        assert invoice.rules_used and invoice.issued_at and invoice.due_date
        assert invoice.language == invoice.client.language
        has_exempt = invoice.lines.filter(vat_category__in=["E", "AE"]).exists()
        assert bool(invoice.mentions) == (has_exempt or invoice.kind == DocumentKind.CREDIT_NOTE)
    for client in Client.objects.all():
        assert client.street and client.postal_code and client.city and client.country
        if client.vat_number:
            assert vat_number_is_valid(client.vat_number), client.vat_number
        if client.enterprise_number:
            assert enterprise_number_is_valid(client.enterprise_number)
            assert client.peppol_participant == f"0208:{client.enterprise_number}"
    kinds = set(Client.objects.values_list("kind", "country"))
    assert (ClientKind.COMPANY, "BE") in kinds and (ClientKind.PERSON, "BE") in kinds
    assert Client.objects.exclude(country="BE").exclude(vat_number="").exists()
    assert Client.objects.filter(email="").exists()


def test_credit_notes_and_follow_up(seeded):
    notes = Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE).select_related("credited_invoice")
    assert notes
    for note in notes:
        original = note.credited_invoice
        assert original is not None and original.kind == DocumentKind.INVOICE
        assert note.issue_date is not None and original.issue_date is not None
        assert note.issue_date >= original.issue_date
        assert (note.member_id, note.client_id, note.seller, note.buyer) == (
            original.member_id,
            original.client_id,
            original.seller,
            original.buyer,
        )
        assert original.amount_credited == note.total_gross
        assert original.contribution_credited == note.contribution
        assert all(
            line.credits_line is not None and line.credits_line.invoice_id == original.pk
            for line in note.lines.all()
        )
        assert note.mentions[: len(original.mentions)] == original.mentions
    paid = dict(
        InvoicePayment.objects.values("invoice")
        .annotate(s=Sum("amount"))
        .values_list("invoice", "s")
    )
    for invoice in Invoice.objects.filter(kind=DocumentKind.INVOICE).exclude(status="draft"):
        assert invoice.amount_paid == paid.get(invoice.pk, Decimal(0))
        assert invoice.status == invoice.follow_up_status()
        assert invoice.amount_due >= 0
        if invoice.status == InvoiceStatus.PAID:
            last = invoice.payments.order_by("value_date", "pk").last()
            assert last is not None and invoice.paid_on == last.value_date


def test_a_real_issue_continues_the_numbering(seeded):
    sofie = Member.objects.get(user__email=f"sofie@{DEMO_DOMAIN}")
    counter = NumberCounter.objects.get(
        series=DocumentKind.INVOICE, year=datetime.date.today().year
    )
    client = Client.objects.filter(member=sofie).first()
    activity = Activity.objects.filter(member=sofie).first()
    assert client is not None and activity is not None
    draft = invoice_draft_save(
        member=sofie,
        acting_user=sofie.user,
        client=client,
        activity=activity,
        supply_date=datetime.date.today(),
        payment_term_days=30,
        lines=[{"description": "Work", "quantity": "2", "unit_price": "50", "vat": "S:21"}],
    )
    issued = invoice_issue(invoice=draft, acting_user=sofie.user)
    assert issued.sequence == counter.last_number + 1
    assert issued.number == f"F{issued.year}-{counter.last_number + 1:06d}"


def test_the_line_trigger_is_on_again(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'invoicing_lines_of_issued_are_final'"
        )
        assert cursor.fetchone()[0] == "O"
