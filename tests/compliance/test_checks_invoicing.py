"""The nightly checks on invoices: overdue invoices per member with the
late-payment interest and compensation (the same figures as
invoicing.services.late_payment, computed by the database), the numbering
guarantee (gapless, unique, in date order per series and year), and
invoices issued by someone holding no paid share on the invoice date."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from compliance import services as compliance_services
from compliance.models import EventKind, Finding, FindingStatus
from compliance.registry import CHECKS, Context
from invoicing import services
from invoicing.models import Invoice, InvoiceStatus, NumberCounter
from members.models import ConsentKind, Member
from rules.models import Rule
from rules.selectors import catalogue_invalidate, rules_on
from shares import services as share_services
from tests.clock import on as clock_on
from tests.factories import ClientFactory, MemberFactory, StaffFactory, published_version
from tests.invoicing.support import TODAY, credit, draft, issued

pytestmark = pytest.mark.django_db

OVERDUE = "invoices.overdue"
NUMBERING = "invoices.numbering"
WITHOUT_SHARE = "membership.invoiced_without_share"


def context(today: datetime.date) -> Context:
    return Context(today=today, now=timezone.now())


def found(key: str, today: datetime.date = TODAY) -> dict:
    """What the check finds on `today`, by problem key."""
    return {problem.key: problem for problem in CHECKS[key].find(context(today))}


def run(key: str):
    """A real run (on the real date, as the nightly task runs it)."""
    return compliance_services.compliance_run(keys=[key])


def only_finding(key: str) -> Finding:
    [finding] = Finding.objects.filter(check_key=key).select_related("subject_type")
    return finding


def subject_of(finding: Finding) -> tuple[str, int | None]:
    assert finding.subject_type is not None
    return finding.subject_type.model, finding.subject_id


def events(finding: Finding) -> list[str]:
    return list(finding.events.order_by("at", "pk").values_list("kind", flat=True))


def pay(invoice: Invoice, amount: str, on: datetime.date) -> Invoice:
    services.invoice_payment_register(
        invoice=invoice, amount=Decimal(amount), value_date=on, acting_user=StaffFactory()
    )
    invoice.refresh_from_db()
    return invoice


def person_client(member: Member):
    return ClientFactory(member=member, kind="person", vat_number="", enterprise_number="")


def late_totals(invoices: list[Invoice], today: datetime.date) -> tuple[Decimal, Decimal]:
    """Σ late_payment() interest and compensation: what the check must equal."""
    interest = compensation = Decimal("0.00")
    for invoice in invoices:
        invoice.refresh_from_db()
        late = services.late_payment(invoice=invoice, today=today)
        if late is not None:
            interest += late.interest
            compensation += late.compensation
    return interest, compensation


def publish_rate(valid_from: datetime.date, value: str) -> None:
    published_version(
        Rule.objects.get(key=services.LATE_INTEREST_RATE), valid_from, value, reason="test"
    )
    catalogue_invalidate()


# --- invoices.overdue ----------------------------------------------------------------

# Checked on 15/02/2027, after a rate change published for 1 January 2027 (10.5 % in
# the second half of 2026, 12 % from 2027) and one in the middle of the first half of
# 2026 (14 % from 15 April; the piece of a half-year that starts a late period bears
# the rate in force on its first day, the later pieces the rate of 1 January or 1 July).
LATER = datetime.date(2027, 2, 15)


class Book:
    """Ann's invoices to companies and one to a private person, and Bob's two
    at the due-date boundary, issued in date order (one series per year)."""

    def __init__(self) -> None:
        publish_rate(datetime.date(2026, 4, 15), "14")
        publish_rate(datetime.date(2027, 1, 1), "12")
        self.ann = MemberFactory(status="member", member_number=4242, legal_name="Ann Peeters")
        self.bob = MemberFactory(status="member")
        self.carl = MemberFactory(status="member")
        ann, bob = self.ann, self.bob
        company = ClientFactory(member=ann)
        # due 31/03, late from 01/04: 10.5 % in H1 (the 14 % starts later), then H2, then 2027
        self.march = issued(ann, today=datetime.date(2026, 3, 1), client=company)
        # due 01/05, late from 02/05: 14 % for the rest of H1
        self.april = issued(
            ann,
            today=datetime.date(2026, 4, 1),
            client=company,
            lines=[("Editing", "3", "333.33", "S:21")],
        )
        self.april = pay(self.april, "100.01", datetime.date(2026, 4, 20))
        # paid in full: never overdue
        self.paid = issued(ann, today=datetime.date(2026, 6, 1), client=company)
        self.paid = pay(self.paid, "653.40", datetime.date(2026, 6, 20))
        # a private person: outstanding, but no interest or compensation
        self.person = issued(
            ann,
            today=datetime.date(2026, 9, 1),
            client=person_client(ann),
            lines=[("Portrait", "1", "250.00", "S:21")],
        )
        # due 20/12/2026, late across the 1 January 2027 rate change
        self.november = issued(
            ann,
            today=datetime.date(2026, 11, 20),
            client=company,
            lines=[("Subtitles", "7", "81.17", "S:21")],
        )
        carl_client = ClientFactory(member=self.carl)
        self.carl_paid = issued(self.carl, today=datetime.date(2026, 11, 25), client=carl_client)
        self.carl_paid = pay(self.carl_paid, "653.40", datetime.date(2026, 11, 26))
        bob_client = ClientFactory(member=bob)
        # due 14/02/2027: one day late on 15/02
        self.bob_late = issued(bob, today=datetime.date(2027, 1, 15), client=bob_client)
        # due 15/02/2027: due today, not late yet
        self.bob_due = issued(
            bob, today=datetime.date(2027, 1, 16), client=bob_client, payment_term_days=30
        )
        # not due yet
        self.ann_new = issued(ann, today=datetime.date(2027, 2, 1), client=company)

    @property
    def ann_overdue(self) -> list[Invoice]:
        return [self.march, self.april, self.person, self.november]


@pytest.fixture
def book() -> Book:
    return Book()


def test_overdue_invoices_are_grouped_per_member_with_the_late_payment_figures(book):
    assert book.bob_due.due_date == LATER  # the boundary: due today is not overdue
    problems = found(OVERDUE, LATER)
    assert set(problems) == {f"member:{book.ann.pk}", f"member:{book.bob.pk}"}
    ann = problems[f"member:{book.ann.pk}"]
    assert ann.subject == ("members.member", book.ann.pk)
    assert ann.label == "4242 Ann Peeters"
    interest, compensation = late_totals(book.ann_overdue, LATER)
    outstanding = sum((i.amount_due for i in book.ann_overdue), Decimal("0.00"))
    assert ann.details == {
        "count": 4,
        "outstanding": str(outstanding),
        "interest": str(interest),
        "compensation": str(compensation),
        "oldest_due": "2026-03-31",
        "days_late": (LATER - datetime.date(2026, 3, 31)).days,
        "numbers": [book.march.number, book.april.number, book.person.number, book.november.number],
    }
    # Three business invoices bear €40 each; the private person's none.
    assert compensation == Decimal("120.00")
    # The figures per invoice, as late_payment gives them, pinned to the rates
    # (the April invoice's first piece at 14 %, every invoice's 2027 piece at 12 %).
    march = services.late_payment(invoice=book.march, today=LATER)
    april = services.late_payment(invoice=book.april, today=LATER)
    november = services.late_payment(invoice=book.november, today=LATER)
    assert services.late_payment(invoice=book.person, today=LATER) is None
    assert march is not None and april is not None and november is not None
    assert [rate for *_days, rate in march.periods] == [
        Decimal("10.5"),
        Decimal("10.5"),
        Decimal("12"),
    ]
    assert [rate for *_days, rate in april.periods] == [
        Decimal("14"),
        Decimal("10.5"),
        Decimal("12"),
    ]
    assert [rate for *_days, rate in november.periods] == [Decimal("10.5"), Decimal("12")]
    assert interest == march.interest + april.interest + november.interest
    assert interest > 0
    bob = problems[f"member:{book.bob.pk}"]
    late_bob, _comp = late_totals([book.bob_late], LATER)
    assert bob.details["count"] == 1 and bob.details["days_late"] == 1
    assert bob.details["numbers"] == [book.bob_late.number]
    assert bob.details["interest"] == str(late_bob)
    assert bob.details["compensation"] == "40.00"


def test_overdue_figures_equal_late_payment_on_every_day_of_a_year(book):
    """The database's arithmetic against late_payment's, day after day, across
    the half-years and rate changes (and a day with nothing overdue)."""
    invoices = [*book.ann_overdue, book.paid, book.ann_new]
    day = datetime.date(2026, 3, 25)
    while day <= LATER:
        problems = found(OVERDUE, day)
        overdue = [i for i in invoices if i.is_overdue(day)]
        ann = problems.get(f"member:{book.ann.pk}")
        if not overdue:
            assert ann is None
        else:
            interest, compensation = late_totals(overdue, day)
            assert ann is not None and ann.details["count"] == len(overdue), day
            assert (ann.details["interest"], ann.details["compensation"]) == (
                str(interest),
                str(compensation),
            ), day
        day += datetime.timedelta(days=3)


def test_an_interest_on_exactly_half_a_cent_is_rounded_as_late_payment_rounds_it():
    """Late from 12/04/2025 to 17/03/2026: 80 days at 11.5 %, then 184 and 76
    at 10.5 % (the catalogue's versions), 3,650 rate-days, so the exact
    interest is a tenth of the amount: on a half cent for these two.
    late_payment's Decimal quotients and sums land just below it for the
    first (188.97, not 188.98) and on it for the second (100.01)."""
    today = datetime.date(2026, 3, 17)
    low, high = MemberFactory(status="member"), MemberFactory(status="member")
    lower = issued(
        low, today=datetime.date(2025, 3, 12), lines=[("Newspapers", "1", "1889.75", "Z:0")]
    )
    higher = issued(
        high, today=datetime.date(2025, 3, 12), lines=[("Newspapers", "1", "1000.05", "Z:0")]
    )
    assert lower.due_date == datetime.date(2025, 4, 11)
    late_low = services.late_payment(invoice=lower, today=today)
    late_high = services.late_payment(invoice=higher, today=today)
    assert late_low is not None and late_high is not None
    assert (
        sum((rate * ((end - start).days + 1) for start, end, rate in late_low.periods), Decimal(0))
        == 3650
    )
    assert (late_low.interest, late_high.interest) == (Decimal("188.97"), Decimal("100.01"))
    problems = found(OVERDUE, today)
    assert problems[f"member:{low.pk}"].details["interest"] == "188.97"
    assert problems[f"member:{high.pk}"].details["interest"] == "100.01"


def test_the_database_rounds_a_quotient_and_a_sum_as_python_decimal_does():
    """_decimal28, the SQL behind those half cents, against Python's default
    context (28 significant digits, half to even) on quotients by 365 and on
    sums whose 29th digit is a 5 (the tie goes to the even digit)."""
    import random

    from compliance.queries.invoicing import _decimal28

    rng = random.Random(2026)
    cases = []
    for _ in range(400):  # outstanding × rate / 100 × days, over 365
        outstanding = Decimal(rng.randint(1, 10**9)) / 100
        rate = Decimal(rng.choice(["10.5", "11.5", "12", "8.25", "0.5"]))
        cases.append((outstanding * rate / 100 * rng.randint(1, 400), Decimal(365)))
    cases += [
        (Decimal("1.0000000000000000000000000005"), Decimal(1)),  # to 1.000…000
        (Decimal("1.0000000000000000000000000015"), Decimal(1)),  # to 1.000…002
        (Decimal("99.999999999999999999999999995"), Decimal(1)),  # to 100
        (Decimal("182.5"), Decimal(365)),
        (Decimal(0), Decimal(365)),
        (Decimal("0.000365"), Decimal(365)),
        (Decimal("36500000"), Decimal(365)),
    ]
    nums, dens = [num for num, _ in cases], [den for _, den in cases]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.value FROM unnest(%s::numeric[], %s::numeric[]) WITH ORDINALITY "
            f"AS v (num, den, i) CROSS JOIN LATERAL {_decimal28('v.num', 'v.den')} x "
            "ORDER BY v.i",
            [nums, dens],
        )
        got = [value for (value,) in cursor.fetchall()]
    assert got == [num / den for num, den in cases]
    assert got[400:403] == [Decimal(1), Decimal("1.000000000000000000000000002"), Decimal(100)]


def test_overdue_counts_what_remains_due_after_payments_and_credit_notes():
    member = MemberFactory(status="member")
    invoice = issued(member, today=datetime.date(2026, 9, 1))  # 653.40, due 01/10
    pay(invoice, "153.40", datetime.date(2026, 9, 15))
    credited = issued(member, today=datetime.date(2026, 9, 2))  # fully credited: not overdue
    credit(credited, today=datetime.date(2026, 9, 3))
    [problem] = found(OVERDUE).values()
    assert (problem.details["count"], problem.details["outstanding"]) == (1, "500.00")
    interest, compensation = late_totals([invoice, credited], TODAY)
    assert problem.details["interest"] == str(interest) and compensation == Decimal("40.00")


def test_nothing_overdue_finds_nothing():
    member = MemberFactory(status="member")
    paid = issued(member, today=datetime.date(2026, 9, 1))
    pay(paid, "653.40", datetime.date(2026, 9, 20))
    issued(member)  # due in 30 days
    draft(member, supply_date=datetime.date(2026, 1, 5))  # a draft has no due date
    assert found(OVERDUE) == {}


def test_overdue_describe_says_it_in_one_sentence(book):
    problem = found(OVERDUE, LATER)[f"member:{book.ann.pk}"]
    with translation.override("en"):
        text = CHECKS[OVERDUE].describe(problem.details)
    d = problem.details
    assert text == (
        f"4 overdue invoices, €{Decimal(d['outstanding']):,.2f} outstanding, "
        f"€{Decimal(d['interest']):,.2f} late interest and €120.00 compensation due; "
        "oldest due 31/03/2026."
    )
    with translation.override("en"):
        one = CHECKS[OVERDUE].describe({**d, "count": 1, "outstanding": "1234.5"})
    assert one.startswith("1 overdue invoice, €1,234.50 outstanding")


def test_overdue_check_runs_two_queries_whatever_the_number_of_rows(
    book, django_assert_num_queries
):
    for n in range(3):  # three more members, due 08/02 to 10/02/2027
        member = MemberFactory(status="member")
        issued(member, today=datetime.date(2027, 2, 3 + n), payment_term_days=5)
    rules_on([services.LATE_INTEREST_RATE])  # the catalogue read once, then cached
    check = CHECKS[OVERDUE]
    # One: the overdue invoices, their interest and compensation, per member.
    with django_assert_num_queries(1):
        problems = list(check.find(context(LATER)))
    assert len(problems) == 5
    # A cold cache adds one query for the rules catalogue, never one per invoice.
    catalogue_invalidate()
    with django_assert_num_queries(2):
        list(check.find(context(LATER)))


def test_overdue_finding_opens_then_resolves_when_paid():
    """The real run checks the real date: an invoice issued sixty days before
    TODAY (20/11/2026) stays overdue whenever the suite runs."""
    member = MemberFactory(status="member")
    invoice = issued(member, today=TODAY - datetime.timedelta(days=60))
    first = run(OVERDUE)
    finding = only_finding(OVERDUE)
    assert subject_of(finding) == ("member", member.pk)
    assert finding.subject_label == str(member) and finding.status == FindingStatus.OPEN
    assert (finding.severity, finding.team) == ("warning", "finance")
    interest, compensation = late_totals([invoice], first.checked_on)
    assert finding.details["interest"] == str(interest)
    assert finding.details["compensation"] == str(compensation) == "40.00"
    assert finding.details["numbers"] == [invoice.number]
    assert CHECKS[OVERDUE].describe(finding.details).startswith("1 overdue invoice, €653.40")
    pay(invoice, "653.40", TODAY)
    second = run(OVERDUE)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED and finding.resolved_at == second.started_at
    assert events(finding) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]


# --- invoices.numbering --------------------------------------------------------------


def issued_row(
    member: Member,
    *,
    sequence: int,
    issue_date: datetime.date,
    number: str = "",
    series: str = "invoice",
) -> Invoice:
    """An issued invoice written straight into the table, numbered as given,
    without the numbering service: how a corruption would look. (A draft may
    still change, so the trigger lets it become issued in one UPDATE.)"""
    row = draft(member, today=issue_date, supply_date=issue_date)
    Invoice.objects.filter(pk=row.pk).update(
        status=InvoiceStatus.ISSUED,
        series=series,
        year=issue_date.year,
        sequence=sequence,
        number=number or f"F{issue_date.year}-{sequence:06d}",
        issue_date=issue_date,
        due_date=issue_date + datetime.timedelta(days=30),
    )
    return Invoice.objects.get(pk=row.pk)


def set_counter(series: str, year: int, last_number: int, last_issued_on: datetime.date) -> None:
    NumberCounter.objects.filter(series=series, year=year).update(
        last_number=last_number, last_issued_on=last_issued_on
    )


def counter_of(series: str, year: int) -> NumberCounter:
    return NumberCounter.objects.get(series=series, year=year)


def test_numbering_in_order_finds_nothing_in_either_series():
    member = MemberFactory(status="member")
    first = issued(member, today=datetime.date(2025, 12, 30))
    issued(member, today=datetime.date(2026, 1, 2))
    second = issued(member, today=datetime.date(2026, 1, 2))
    issued(member, today=datetime.date(2026, 2, 1))
    credit(first, today=datetime.date(2026, 1, 5))
    credit(second, today=datetime.date(2026, 2, 3))
    draft(member)
    # Invoices and credit notes are numbered in their own series, per year.
    assert set(NumberCounter.objects.values_list("series", "year", "last_number")) == {
        ("invoice", 2025, 1),
        ("invoice", 2026, 3),
        ("credit_note", 2026, 2),
    }
    assert found(NUMBERING) == {}


def test_a_gap_is_found_then_resolved_once_the_missing_number_is_there():
    member = MemberFactory(status="member")
    issued(member, today=datetime.date(2026, 3, 1))
    issued(member, today=datetime.date(2026, 3, 2))
    # Number 3 was handed out and its row lost; number 4 exists.
    issued_row(member, sequence=4, issue_date=datetime.date(2026, 3, 4))
    set_counter("invoice", 2026, 4, datetime.date(2026, 3, 4))
    run(NUMBERING)
    finding = only_finding(NUMBERING)
    counter = counter_of("invoice", 2026)
    assert finding.subject_key == "series:invoice/2026"
    assert subject_of(finding) == ("numbercounter", counter.pk)
    assert finding.subject_label == "Invoice 2026"
    assert (finding.severity, finding.team) == ("error", "finance")
    assert finding.details == {
        "series": "invoice",
        "year": 2026,
        "issued": 3,
        "highest": 4,
        "counter_last_number": 4,
        "counter_last_issued_on": "2026-03-04",
        "counter_behind": False,
        "missing_count": 1,
        "missing_ranges": [[3, 3]],
        "duplicate_count": 0,
        "duplicate_sequences": [],
        "duplicate_number_count": 0,
        "duplicate_numbers": [],
        "out_of_order_count": 0,
        "out_of_order": [],
    }
    with translation.override("en"):
        assert CHECKS[NUMBERING].describe(finding.details) == (
            "Series Invoice 2026: 1 number missing (3)."
        )
    issued_row(member, sequence=3, issue_date=datetime.date(2026, 3, 3))
    second = run(NUMBERING)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED and finding.resolved_at == second.started_at
    assert events(finding) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]


def test_gaps_at_the_start_and_numbers_the_counter_gave_out_beyond_the_last_row():
    member = MemberFactory(status="member")
    issued_row(member, sequence=3, issue_date=datetime.date(2026, 3, 3))
    issued_row(member, sequence=4, issue_date=datetime.date(2026, 3, 4))
    NumberCounter.objects.create(
        series="invoice", year=2026, last_number=7, last_issued_on=datetime.date(2026, 3, 9)
    )
    [problem] = found(NUMBERING).values()
    assert problem.details["missing_ranges"] == [[1, 2], [5, 7]]
    assert problem.details["missing_count"] == 5
    assert problem.details["counter_behind"] is False
    with translation.override("en"):
        assert CHECKS[NUMBERING].describe(problem.details) == (
            "Series Invoice 2026: 5 numbers missing (1–2, 5–7)."
        )


def test_a_counter_behind_what_was_issued_is_found():
    member = MemberFactory(status="member")
    issued(member, today=datetime.date(2026, 3, 1))
    issued(member, today=datetime.date(2026, 3, 2))
    set_counter("invoice", 2026, 1, datetime.date(2026, 3, 1))  # the next issue would collide
    [problem] = found(NUMBERING).values()
    assert problem.details["counter_behind"] is True
    assert problem.details["missing_count"] == problem.details["duplicate_count"] == 0
    with translation.override("en"):
        assert CHECKS[NUMBERING].describe(problem.details) == (
            "Series Invoice 2026: the counter is behind what was issued."
        )


def test_a_date_order_break_is_found_with_the_pair():
    member = MemberFactory(status="member")
    issued(member, today=datetime.date(2026, 3, 1))
    second = issued(member, today=datetime.date(2026, 3, 10))
    third = issued_row(member, sequence=3, issue_date=datetime.date(2026, 3, 5))
    set_counter("invoice", 2026, 3, datetime.date(2026, 3, 10))
    [problem] = found(NUMBERING).values()
    assert problem.details["out_of_order_count"] == 1
    assert problem.details["out_of_order"] == [
        {
            "before": second.number,
            "before_date": "2026-03-10",
            "number": third.number,
            "date": "2026-03-05",
        }
    ]
    assert problem.details["missing_count"] == 0
    with translation.override("en"):
        assert CHECKS[NUMBERING].describe(problem.details) == (
            "Series Invoice 2026: 1 number dated before the one it follows."
        )


def _drop_unique_numbers() -> None:
    """The two unique indexes make a duplicate impossible; to prove the check
    would still see one (restored from a backup, written by hand), this
    test's transaction drops them. DDL is transactional in PostgreSQL: the
    rollback at the end of the test puts them back."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX invoice_number_unique_in_series")
        cursor.execute("DROP INDEX invoice_number_unique")


def _delete_issued(invoice: Invoice) -> None:
    """Issued rows are never deleted (a trigger refuses, lines included); to
    undo the simulated corruption this test's transaction switches the
    triggers off around the DELETE (rolled back with the test). PostgreSQL
    alters no table with deferred foreign-key checks pending, so those are
    run first."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE invoicing_invoice DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE invoicing_invoiceline DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM invoicing_invoiceline WHERE invoice_id = %s", [invoice.pk])
        cursor.execute("DELETE FROM invoicing_invoice WHERE id = %s", [invoice.pk])
        cursor.execute("ALTER TABLE invoicing_invoiceline ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE invoicing_invoice ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_a_duplicate_is_found_then_resolved_once_removed():
    member = MemberFactory(status="member")
    issued(member, today=datetime.date(2026, 3, 1))
    second = issued(member, today=datetime.date(2026, 3, 2))
    issued(member, today=datetime.date(2026, 3, 3))
    _drop_unique_numbers()
    twin = issued_row(member, sequence=2, issue_date=datetime.date(2026, 3, 2))
    assert twin.number == second.number
    run(NUMBERING)
    finding = only_finding(NUMBERING)
    assert finding.details["duplicate_count"] == 1
    assert finding.details["duplicate_sequences"] == [2]
    assert finding.details["duplicate_number_count"] == 1
    assert finding.details["duplicate_numbers"] == [second.number]
    assert finding.details["missing_count"] == finding.details["out_of_order_count"] == 0
    with translation.override("en"):
        assert CHECKS[NUMBERING].describe(finding.details) == (
            "Series Invoice 2026: 1 sequence issued twice; 1 number used twice."
        )
    _delete_issued(twin)
    run(NUMBERING)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    assert events(finding) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]


def test_each_series_and_year_is_its_own_finding_in_one_query(django_assert_num_queries):
    member = MemberFactory(status="member")
    invoice = issued(member, today=datetime.date(2025, 12, 1))
    issued(member, today=datetime.date(2026, 1, 5))
    credit(invoice, today=datetime.date(2026, 1, 6))
    set_counter("invoice", 2025, 3, datetime.date(2025, 12, 1))  # 2 and 3 missing
    set_counter("credit_note", 2026, 2, datetime.date(2026, 1, 6))  # 2 missing
    issued_row(member, sequence=5, issue_date=datetime.date(2026, 1, 7))
    set_counter("invoice", 2026, 5, datetime.date(2026, 1, 7))  # 2 to 4 missing
    check = CHECKS[NUMBERING]
    # One: the issued rows against their predecessors and the counters.
    with django_assert_num_queries(1):
        problems = {p.key: p for p in check.find(context(TODAY))}
    assert {key: p.details["missing_ranges"] for key, p in problems.items()} == {
        "series:credit_note/2026": [[2, 2]],
        "series:invoice/2025": [[2, 3]],
        "series:invoice/2026": [[2, 4]],
    }
    assert problems["series:credit_note/2026"].subject == (
        "invoicing.numbercounter",
        counter_of("credit_note", 2026).pk,
    )


def test_a_series_without_a_counter_row_is_found_about_no_object():
    member = MemberFactory(status="member")
    issued_row(member, sequence=1, issue_date=datetime.date(2026, 3, 1))
    [problem] = found(NUMBERING).values()
    assert problem.subject == ("invoicing.numbercounter", None)
    assert problem.details["counter_behind"] is True
    assert problem.details["counter_last_number"] is None


def test_lists_are_cut_at_twenty_but_counts_are_whole():
    member = MemberFactory(status="member")
    for sequence in range(2, 52, 2):  # 25 gaps: 1, 3, 5, ... 49
        issued_row(member, sequence=sequence, issue_date=datetime.date(2026, 3, 1))
    set_counter("invoice", 2026, 50, datetime.date(2026, 3, 1))
    [problem] = found(NUMBERING).values()
    assert problem.details["missing_count"] == 25
    assert problem.details["missing_ranges"] == [[n, n] for n in range(1, 41, 2)]


# --- membership.invoiced_without_share -----------------------------------------------


def paid_share(member: Member, on: datetime.date, quantity: int = 2) -> None:
    """A subscription paid on `on`, booked as staff book it (register entry
    dated on the payment's value date, the member's status "member")."""
    with clock_on(on):
        subscription = share_services.share_subscribe(
            member=member, quantity=quantity, accepted=ConsentKind.values, acting_user=member.user
        )
    share_services.share_payment_register(
        subscription=subscription,
        amount=subscription.amount,
        value_date=on,
        acting_user=StaffFactory(),
    )


def test_a_member_holding_a_share_on_every_invoice_date_is_not_found():
    paid = MemberFactory()
    paid_share(paid, datetime.date(2026, 1, 5))
    issued(paid, today=datetime.date(2026, 1, 5))  # the day the share is paid: held
    issued(paid, today=datetime.date(2026, 2, 1))
    never = MemberFactory()  # never paid, only a draft: nothing issued
    draft(never)
    assert found(WITHOUT_SHARE) == {}


def test_invoices_before_the_share_payment_are_found_then_resolved():
    early = MemberFactory(legal_name="Eva Early", member_number=5150)
    paid_share(early, datetime.date(2026, 5, 1))
    first = issued(early, today=datetime.date(2026, 3, 1))
    second = issued(early, today=datetime.date(2026, 4, 30))  # the day before: not held
    issued(early, today=datetime.date(2026, 5, 1))
    run(WITHOUT_SHARE)
    finding = only_finding(WITHOUT_SHARE)
    assert finding.subject_key == f"member:{early.pk}"
    assert subject_of(finding) == ("member", early.pk)
    assert finding.subject_label == "5150 Eva Early"
    assert (finding.severity, finding.team) == ("error", "legal")
    assert finding.details == {
        "count": 2,
        "first_issued": "2026-03-01",
        "last_issued": "2026-04-30",
        "numbers": [first.number, second.number],
    }
    with translation.override("en"):
        assert CHECKS[WITHOUT_SHARE].describe(finding.details) == (
            "2 invoices issued between 01/03/2026 and 30/04/2026 without a paid share."
        )
    # An earlier payment, booked late, shows the share was held after all.
    paid_share(early, datetime.date(2026, 2, 1), quantity=1)
    second_run = run(WITHOUT_SHARE)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    assert finding.resolved_at == second_run.started_at
    assert events(finding) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]


def test_invoices_from_the_day_of_an_exclusion_are_found_but_not_those_before():
    leaver = MemberFactory()
    paid_share(leaver, datetime.date(2026, 1, 5))
    issued(leaver, today=datetime.date(2026, 6, 30))  # the last day held
    on_exit_day = issued(leaver, today=datetime.date(2026, 7, 1))
    after = issued(leaver, today=datetime.date(2026, 8, 1))
    # Excluded from 1 July, recorded afterwards: every share leaves the register that day.
    share_services.share_member_exclude(
        member=leaver,
        excluded_on=datetime.date(2026, 7, 1),
        acting_user=StaffFactory(),
        reason="General meeting of 30 June",
    )
    [problem] = found(WITHOUT_SHARE).values()
    assert problem.key == f"member:{leaver.pk}"
    assert problem.details == {
        "count": 2,
        "first_issued": "2026-07-01",
        "last_issued": "2026-08-01",
        "numbers": [on_exit_day.number, after.number],
    }


def test_invoices_after_an_exit_are_found_and_a_refund_changes_nothing():
    """An exit asked in the window (January to June) takes effect on its last
    day, 30 June: the shares leave the register that day (an EXIT entry),
    the refund (a REFUND entry of no shares) moves nothing."""
    staying, leaving = MemberFactory(), MemberFactory()
    paid_share(staying, datetime.date(2026, 1, 5))
    paid_share(leaving, datetime.date(2026, 1, 5))
    issued(leaving, today=datetime.date(2026, 6, 29))
    issued(staying, today=datetime.date(2026, 7, 15))
    late = issued(leaving, today=datetime.date(2026, 7, 15))
    staff = StaffFactory()
    exit_request = share_services.share_exit_request(
        member=leaving, quantity=2, requested_on=datetime.date(2026, 3, 2), acting_user=staff
    )
    assert exit_request.effective_on == datetime.date(2026, 6, 30)
    share_services.share_exit_decide(exit_request=exit_request, approve=True, acting_user=staff)
    [problem] = found(WITHOUT_SHARE).values()
    assert problem.key == f"member:{leaving.pk}" and problem.details["numbers"] == [late.number]
    share_services.share_refund_record(
        exit_request=exit_request,
        amount=Decimal("60.00"),
        refunded_on=datetime.date(2026, 8, 1),
        acting_user=staff,
    )
    assert set(found(WITHOUT_SHARE)) == {f"member:{leaving.pk}"}


def test_credit_notes_and_invoices_of_a_member_without_any_share(django_assert_num_queries):
    """A member marked "member" with no register entry at all (as
    tests.factories.PaidMemberFactory makes them) is found for every
    invoice; a credit note is no use of the services and is not counted."""
    members = [MemberFactory(status="member") for _ in range(3)]
    invoices = [issued(m, today=datetime.date(2026, 3, 1 + n)) for n, m in enumerate(members)]
    credit(invoices[0], today=datetime.date(2026, 3, 10))
    check = CHECKS[WITHOUT_SHARE]
    # One: the issued invoices anti-joined with the share periods, per member.
    with django_assert_num_queries(1):
        problems = {p.key: p for p in check.find(context(TODAY))}
    assert set(problems) == {f"member:{m.pk}" for m in members}
    assert all(p.details["count"] == 1 for p in problems.values())
    with translation.override("en"):
        assert check.describe(problems[f"member:{members[0].pk}"].details) == (
            "1 invoice issued on 01/03/2026 without a paid share."
        )
