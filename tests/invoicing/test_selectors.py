"""Reads of invoicing (issue 5, Follow up and Dashboard): the list filters and
search, the dashboard figures, and a fixed number of queries whatever the
number of rows."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from invoicing import selectors, services
from invoicing.models import OVERDUE, Invoice
from invoicing.selectors import InvoiceFilters, MonthTurnover
from members.models import Member
from smartcoop.lib.ogm import ogm_format
from tests.factories import ActivityFactory, ClientFactory, MemberFactory
from tests.invoicing.support import TODAY, credit, draft, issued

pytestmark = pytest.mark.django_db


def _pay(invoice: Invoice, amount: str, on: datetime.date) -> None:
    services.invoice_payment_register(
        invoice=invoice, amount=Decimal(amount), value_date=on, acting_user=invoice.member.user
    )
    invoice.refresh_from_db()


class Book:
    """One member's invoices over a year (TODAY is 20/11/2026):

    old    28/11/2025  100.00 at 21%  paid            (before the 12 months)
    dec    15/12/2025  200.00 at 0%   open, overdue
    inv1   10/09/2026  450.00 at 21%  open, overdue   Atelier Marolles, Translation
    inv2   02/11/2026 1000.00 at 6%   credited 1/4 (10/11), then 500 paid; due 02/12
    inv3   05/11/2026  300.00 exempt  paid            Atelier Marolles, Theatre
    note   10/11/2026  credit note of a quarter of inv2
    draft  supply 15/11/2026          Brouwerij, Translation
    """

    def __init__(self) -> None:
        self.member = MemberFactory(status="member")
        m = self.member
        self.marolles = ClientFactory(
            member=m, name="Atelier Marolles SRL", sector="show_organiser"
        )
        self.brouwerij = ClientFactory(member=m, name="Brouwerij De Koninck")
        self.translation = ActivityFactory(member=m, name="Translation")
        self.theatre = ActivityFactory(member=m, name="Theatre", kind="artistic")

        def issue_on(day, client, activity, lines):
            return issued(m, today=day, client=client, activity=activity, lines=lines)

        self.old = issue_on(
            datetime.date(2025, 11, 28),
            self.brouwerij,
            self.translation,
            [("Old job", "1", "100.00", "S:21")],
        )
        _pay(self.old, "121.00", datetime.date(2025, 12, 5))
        self.dec = issue_on(
            datetime.date(2025, 12, 15),
            self.brouwerij,
            self.translation,
            [("Newspapers", "1", "200.00", "Z:0")],
        )
        self.inv1 = issue_on(
            datetime.date(2026, 9, 10),
            self.marolles,
            self.translation,
            [("Translation of a contract", "10", "45.00", "S:21")],
        )
        self.inv2 = issue_on(
            datetime.date(2026, 11, 2),
            self.brouwerij,
            self.theatre,
            [("Stage lighting", "1", "1000.00", "S:6")],
        )
        self.inv3 = issue_on(
            datetime.date(2026, 11, 5),
            self.marolles,
            self.theatre,
            [("Recital", "2", "150.00", "E:art44_2_8")],
        )
        _pay(self.inv3, "300.00", datetime.date(2026, 11, 6))
        (line,) = self.inv2.lines.values_list("pk", flat=True)
        self.note = credit(
            self.inv2, quantities={line: Decimal("0.25")}, today=datetime.date(2026, 11, 10)
        )
        _pay(self.inv2, "500.00", datetime.date(2026, 11, 12))
        self.draft = draft(
            m,
            client=self.brouwerij,
            activity=self.translation,
            supply_date=datetime.date(2026, 11, 15),
        )
        # Another member's invoice of the same month: never in this member's figures.
        other = MemberFactory(status="member")
        self.foreign = issued(
            other,
            today=datetime.date(2026, 11, 16),
            lines=[("Stage lighting", "1", "9999.00", "S:21")],
        )


@pytest.fixture
def book() -> Book:
    return Book()


def _list(book: Book, **filters) -> list[Invoice]:
    return list(
        selectors.invoice_list(member=book.member, filters=InvoiceFilters(**filters), today=TODAY)
    )


def test_the_list_is_newest_first_with_drafts_on_top(book):
    assert _list(book) == [
        book.draft,
        book.note,
        book.inv3,
        book.inv2,
        book.inv1,
        book.dec,
        book.old,
    ]
    assert book.foreign.number == "F2026-000004"  # numbered in the same series...
    assert book.foreign not in _list(book)  # ...but another member's


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", ["draft"]),
        ("issued", ["note", "inv1", "dec"]),
        ("partly_paid", ["inv2"]),
        ("paid", ["inv3", "old"]),
        ("credited", []),
        (OVERDUE, ["inv1", "dec"]),
    ],
)
def test_filter_by_status_including_overdue(book, status, expected):
    assert _list(book, status=status) == [getattr(book, name) for name in expected]


def test_overdue_depends_on_the_day_and_on_what_is_due(book):
    def overdue(day: datetime.date) -> list[Invoice]:
        filters = InvoiceFilters(status=OVERDUE)
        return list(selectors.invoice_list(member=book.member, filters=filters, today=day))

    assert overdue(datetime.date(2026, 10, 10)) == [book.dec]  # inv1 due that day
    assert overdue(datetime.date(2026, 10, 11)) == [book.inv1, book.dec]
    assert overdue(datetime.date(2026, 12, 3)) == [book.inv2, book.inv1, book.dec]
    _pay(book.inv1, "544.50", datetime.date(2026, 11, 19))
    assert overdue(TODAY) == [book.dec]
    assert book.inv1.display_status(TODAY)[0] == "paid"
    assert book.dec.display_status(TODAY) == (OVERDUE, "Overdue")


def test_filter_by_kind_client_activity_and_period(book):
    assert _list(book, kind="credit_note") == [book.note]
    assert _list(book, kind="invoice") == [
        book.draft,
        book.inv3,
        book.inv2,
        book.inv1,
        book.dec,
        book.old,
    ]
    assert _list(book, client=book.marolles.pk) == [book.inv3, book.inv1]
    assert _list(book, activity=book.theatre.pk) == [book.note, book.inv3, book.inv2]
    assert _list(book, client=book.brouwerij.pk, activity=book.translation.pk) == [
        book.draft,
        book.dec,
        book.old,
    ]
    november = {"date_from": datetime.date(2026, 11, 1), "date_to": datetime.date(2026, 11, 30)}
    assert _list(book, **november) == [book.draft, book.note, book.inv3, book.inv2]
    week = {"date_from": datetime.date(2026, 11, 5), "date_to": datetime.date(2026, 11, 10)}
    assert _list(book, **week) == [book.note, book.inv3]
    assert _list(book, date_to=datetime.date(2025, 12, 31)) == [book.dec, book.old]
    assert _list(book, date_from=datetime.date(2026, 11, 16)) == []  # the draft's supply: 15/11
    assert _list(book, status="paid", date_from=datetime.date(2026, 1, 1)) == [book.inv3]
    # Another member's client id finds nothing of this member's.
    assert _list(book, client=book.foreign.client_id) == []


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("F2026-000001", ["inv1"]),  # old: F2025-000001, dec: F2025-000002
        ("f2026-000003", ["inv3"]),
        ("C2026-000001", ["note"]),
        ("marolles", ["inv3", "inv1"]),
        ("  KONINCK ", ["draft", "note", "inv2", "dec", "old"]),
        ("lighting", ["note", "inv2"]),  # the credit note repeats the line's description
        ("contract", ["inv1"]),
        ("F2026-000004", []),  # another member's number
        ("nothing like it", []),
    ],
)
def test_search_by_number_client_and_line(book, search, expected):
    assert _list(book, search=search) == [getattr(book, name) for name in expected]


def test_search_by_structured_reference_in_any_written_form(book):
    reference = book.inv1.structured_reference
    for written in (
        reference,
        ogm_format(reference),
        ogm_format(reference).replace("+", "*"),
        f"{reference[:3]} {reference[3:7]} {reference[7:]}",
    ):
        assert _list(book, search=written) == [book.inv1]
    assert _list(book, search=book.foreign.structured_reference) == []


def test_the_dashboard_figures(book, django_assert_num_queries):
    with django_assert_num_queries(3):
        board = selectors.invoicing_dashboard(member=book.member, today=TODAY)
        assert [invoice.client.name for invoice in board.next_due] == ["Brouwerij De Koninck"]
    expected = {
        datetime.date(2025, 12, 1): Decimal("200.00"),
        datetime.date(2026, 9, 1): Decimal("450.00"),
        datetime.date(2026, 11, 1): Decimal("1050.00"),
    }  # 1000 + 300 - 250
    months = [datetime.date(2025, 12, 1)] + [datetime.date(2026, m, 1) for m in range(1, 12)]
    assert board.months == [MonthTurnover(m, expected.get(m, Decimal("0.00"))) for m in months]
    assert board.max_month == Decimal("1050.00")
    # 29.25 + 65.00 + 19.50 - 16.25: the 2025 invoices count in 2025's.
    assert board.contribution_year == Decimal("97.50")
    # dec 200.00 + inv1 544.50 + inv2 (1060.00 - 265.00 credited - 500.00 paid)
    assert board.outstanding == Decimal("1039.50")
    assert (board.overdue, board.overdue_count) == (Decimal("744.50"), 2)
    assert board.drafts == 1
    assert board.next_due == [book.inv2]


def test_the_dashboard_of_a_member_without_invoices(django_assert_num_queries):
    member = MemberFactory(status="member")
    with django_assert_num_queries(3):
        board = selectors.invoicing_dashboard(member=member, today=TODAY)
    assert [m.net for m in board.months] == [Decimal("0.00")] * 12
    assert board.months[0].month == datetime.date(2025, 12, 1)
    assert (board.contribution_year, board.outstanding, board.overdue) == (Decimal("0.00"),) * 3
    assert (board.overdue_count, board.drafts, board.next_due) == (0, 0, [])


def test_activities_clients_and_the_export(book):
    activities = {
        a.name: (a.invoiced, a.credited, a.invoice_count)  # type: ignore[attr-defined]
        for a in selectors.activity_list(member=book.member)
    }
    assert activities == {
        "Theatre": (Decimal("1300.00"), Decimal("250.00"), 2),
        "Translation": (Decimal("750.00"), Decimal("0.00"), 4),  # the draft counts, not its sum
    }
    assert list(selectors.client_list(member=book.member, search="koninck")) == [book.brouwerij]
    assert list(selectors.client_list(member=book.member, search="0403.019.261")) == [
        book.marolles,
        book.brouwerij,
    ]
    rows = list(
        selectors.invoice_export_rows(
            member=book.member, date_from=datetime.date(2026, 1, 1), date_to=TODAY
        )
    )
    assert [r.number for r in rows] == [
        "F2026-000001",
        "F2026-000002",
        "F2026-000003",
        "C2026-000001",
    ]


def test_another_members_objects_answer_404(book):
    other = MemberFactory(status="member")
    for getter, pk in [
        (selectors.invoice_get_owned, book.inv1.pk),
        (selectors.client_get_owned, book.marolles.pk),
        (selectors.activity_get_owned, book.theatre.pk),
    ]:
        with pytest.raises(Http404):
            getter(user=other.user, pk=pk)
        assert getter(user=book.member.user, pk=pk).pk == pk


# --- A fixed number of queries ---------------------------------------------------------


def _member_with(count: int) -> Member:
    member = MemberFactory(status="member")
    clients = [ClientFactory(member=member) for _ in range(min(count, 5))]
    activities = [ActivityFactory(member=member) for _ in range(min(count, 5))]
    for i in range(count):
        client, activity = clients[i % len(clients)], activities[i % len(activities)]
        lines = [(f"Job {i}", "1", "10.00", "S:21")]
        if i % 3:
            issued(member, client=client, activity=activity, lines=lines)
        else:
            draft(member, client=client, activity=activity, lines=lines)
    return member


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize(
    "filters",
    [InvoiceFilters(), InvoiceFilters(status=OVERDUE), InvoiceFilters(search="Job")],
    ids=["all", "overdue", "search"],
)
def test_the_list_runs_one_query_whatever_its_length(count, filters, django_assert_num_queries):
    member = _member_with(count)
    with django_assert_num_queries(1):
        invoices = selectors.invoice_list(member=member, filters=filters, today=TODAY)
        rows = [(i.number, i.client.name, i.activity.name, i.total_gross) for i in invoices]
    if filters.status == OVERDUE:
        assert rows == []
    else:
        assert len(rows) == count


@pytest.mark.parametrize("count", [1, 30])
def test_the_dashboard_runs_three_queries_whatever_the_invoices(count, django_assert_num_queries):
    """Months of turnover; the figures (contribution, outstanding, overdue,
    drafts) in one aggregate; the next due invoices with their clients."""
    member = _member_with(count)
    with django_assert_num_queries(3):
        board = selectors.invoicing_dashboard(member=member, today=TODAY)
        [invoice.client.name for invoice in board.next_due]
    assert board.drafts == len(range(0, count, 3))


@pytest.mark.parametrize("lines", [1, 20])
def test_the_detail_runs_six_queries_whatever_its_lines(lines, django_assert_num_queries):
    member = MemberFactory(status="member")
    invoice = issued(member, lines=[(f"Line {i}", "2", "10.00", "S:21") for i in range(lines)])
    line_ids = list(invoice.lines.values_list("pk", flat=True))
    for pk in line_ids[: max(1, lines // 4)]:
        credit(invoice, quantities={pk: Decimal("1")})
    services.invoice_payment_register(
        invoice=invoice, amount=Decimal("1.00"), value_date=TODAY, acting_user=member.user
    )
    # The invoice with member, client, activity and credited invoice; then its
    # lines, payments, credit notes, stored documents and sendings.
    with django_assert_num_queries(6):
        detail = selectors.invoice_get_owned(user=member.user, pk=invoice.pk)
        shown = (
            [line.description for line in detail.lines.all()],
            [p.amount for p in detail.payments.all()],
            [n.number for n in detail.credit_notes.all()],
            detail.client.name,
            detail.activity.name,
            detail.member.legal_name,
            [d.sha256 for d in detail.documents.all()],
            [d.status for d in detail.deliveries.all()],
        )
    assert len(shown[0]) == lines and shown[1] == [Decimal("1.00")]
    assert len(shown[2]) == max(1, lines // 4)
