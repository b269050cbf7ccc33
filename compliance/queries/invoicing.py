"""The queries of the nightly checks on invoices (compliance/checks/
invoicing_checks.py and membership_checks.py): overdue invoices with the
late-payment interest computed in SQL, the numbering guarantee, invoices
issued without a paid share, years of use, artistic activities.

Each is one set-based query over invoicing's tables (and the share register's,
for the holding periods); compliance sits above both apps, so the SQL that
joins them lives here and nowhere else.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from invoicing.models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    ClientKind,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    NumberCounter,
)
from invoicing.services import LATE_INTEREST_RATE, RECOVERY_COMPENSATION
from members.models import Member
from rules.selectors import NoVersionInForce, rules_on
from shares.models import RegisterEntry
from smartcoop.lib.money import round_cents


def artistic_activities() -> QuerySet[Activity]:
    """Activities declared artistic and still in use, with their member."""
    return (
        Activity.objects.filter(kind=ActivityKind.ARTISTIC, archived=False)
        .select_related("member")
        .order_by("member_id", "pk")
    )


def invoice_years_of_use() -> QuerySet[Any]:
    """Per member, the calendar years in which they issued at least one
    invoice (the "years of use of the services" the shares rule counts),
    as values (member, years)."""
    return (
        Invoice.objects.filter(kind=DocumentKind.INVOICE)
        .exclude(status=InvoiceStatus.DRAFT)
        .values("member")
        .annotate(years=Count("year", distinct=True))
        .order_by()
    )


def _rule_periods(
    key: str, *, until: datetime.date
) -> tuple[list[datetime.date], list[datetime.date], list[Any]]:
    """The published versions of rule `key` in force on some day up to
    `until`, as three parallel lists (valid from, valid until exclusive,
    value) for an unnest() table. Walked back from `until` one version at a
    time through rules_on, which resolves from the cached catalogue (at most
    one query in all, whatever the number of versions). Days before the first
    version have no row: rules_on would raise NoVersionInForce for them."""
    starts: list[datetime.date] = []
    ends: list[datetime.date] = []
    values: list[Any] = []
    day, end = until, until + datetime.timedelta(days=1)
    while True:
        try:
            rule = rules_on([key], on=day)[key]
        except NoVersionInForce:
            break
        starts.append(rule.valid_from)
        ends.append(end)
        values.append(rule.value)
        if rule.valid_from == datetime.date.min:
            break
        end, day = rule.valid_from, rule.valid_from - datetime.timedelta(days=1)
    return starts, ends, values


@dataclass(frozen=True)
class MemberOverdue:
    """One member's overdue invoices (overdue_q) and what the law adds to them."""

    member_id: int
    member_number: int
    legal_name: str
    count: int
    outstanding: Decimal  # total_gross - amount_paid - amount_credited, summed
    interest: Decimal  # late_payment().interest, summed (business clients only)
    compensation: Decimal  # late_payment().compensation, summed (business clients only)
    oldest_due: datetime.date
    numbers: list[str]  # the first ten, oldest due date first
    # Business invoices late since a day no version of the interest or
    # compensation rule covers (late_payment() raises NoVersionInForce for
    # them); their interest counts only the days a version covers.
    unpriced: int


def _decimal28(num: str, den: str) -> str:
    """SQL for a LATERAL subquery whose column `value` is num / den rounded
    as Python's default Decimal context rounds a result (28 significant
    digits, half to even), from exact numeric arithmetic (num ≥ 0, den > 0):
    the quotient at the 28th digit by integer division, and the remainder
    decides. The first digit's place comes from a float log(), checked both
    ways in exact arithmetic. `num` and `den` are SQL expressions of ours."""
    return f"""(
        SELECT (q + CASE WHEN 2 * rem > den THEN 1 WHEN 2 * rem < den THEN 0
                         ELSE mod(q, 2) END) * ('1e' || -places)::numeric AS value
        FROM (SELECT q, scaled - den * q AS rem, den, places
              FROM (SELECT div(scaled, den) AS q, scaled, den, places
                    FROM (SELECT num * ('1e' || places)::numeric AS scaled, den, places
                          FROM (SELECT num, den,
                                       27 - e0 + (num < den * ('1e' || e0)::numeric)::int
                                       - (num >= den * ('1e' || (e0 + 1))::numeric)::int
                                       AS places
                                FROM (SELECT {num} AS num, {den} AS den,
                                             CASE WHEN {num} > 0
                                                  THEN floor(log(({num} / {den})::float8))::int
                                                  ELSE 0 END AS e0) e) p) s) q) r
    )"""  # noqa: S608 - no input: expressions written in this module


def _half_years(first: datetime.date, last: datetime.date) -> tuple[list[datetime.date], ...]:
    """(first day, last day) of each half-year from the one holding `first`
    to the one holding `last`, as two lists for an unnest() table."""
    starts: list[datetime.date] = []
    ends: list[datetime.date] = []
    start = datetime.date(first.year, 1 if first.month <= 6 else 7, 1)
    while start <= last:
        following = (
            datetime.date(start.year, 7, 1)
            if start.month == 1
            else datetime.date(start.year + 1, 1, 1)
        )
        starts.append(start)
        ends.append(following - datetime.timedelta(days=1))
        start = following
    return starts, ends


def overdue_by_member(*, today: datetime.date) -> list[MemberOverdue]:
    """Per member with at least one overdue invoice (overdue_q(today)): how
    many, what is still due, and the late-payment interest and fixed
    compensation that `services.late_payment(invoice=..., today=today)` gives,
    summed, computed by the database in one query.

    late_payment's arithmetic, set-based: each business invoice (buyer kind
    "company") is late from the day after its due date to `today`; that span
    is cut at 1 January and 1 July; each piece bears the rate in force on its
    first day (rule LATE_INTEREST_RATE); interest = Σ outstanding × rate / 100
    × days / 365, rounded half-up to the cent per invoice; the compensation is
    rule RECOVERY_COMPENSATION on the first late day. The half-years and the
    rules' versions up to `today` go in as small unnest() tables, so no rule
    is read per invoice.

    To late_payment's cent: the exact interest X / 36500 (X = Σ outstanding ×
    rate × days, exact in numeric) is rounded with an integer division. Where
    it falls exactly on a half cent, late_payment's Decimals (each quotient
    and each running sum rounded to 28 digits) land a hair on either side of
    it and decide the cent: 1,889.75 € late 340 days over three half-years
    worth 3,650 rate-days is 188.975 exactly and 188.97 there. For those
    invoices only, the terms are rounded and added in order as Decimal does
    (_decimal28 and a recursive CTE). Anywhere else the two roundings agree:
    late_payment's error, under 10⁻¹⁶ € for interests under 10⁹ €, is far
    below the distance to the nearest half cent, at least 10⁻¹³ € for rates
    with up to four decimals.

    Reads the rules catalogue (at most one query, none while cached), then
    one query."""
    rate_from, rate_until, rates = _rule_periods(LATE_INTEREST_RATE, until=today)
    comp_from, comp_until, amounts = _rule_periods(RECOVERY_COMPENSATION, until=today)
    # Days before the first rate version bear no interest here, and
    # late_payment raises NoVersionInForce for them: counted as unpriced.
    rated_from = min(rate_from, default=today + datetime.timedelta(days=1))
    half_from, half_until = _half_years(rated_from, today)
    params: dict[str, Any] = {
        "rate_from": rate_from,
        "rate_until": rate_until,
        "rate": [Decimal(rate) for rate in rates],
        "comp_from": comp_from,
        "comp_until": comp_until,
        "comp": [Decimal(money.amount) for money in amounts],
        "half_from": half_from,
        "half_until": half_until,
        "rated_from": rated_from,
        "today": today,
        "invoice": DocumentKind.INVOICE,
        "company": ClientKind.COMPANY,
        "open": [str(status) for status in OPEN_STATUSES],
    }
    term = _decimal28("p.outstanding * p.rate * p.days * 0.01", "365")
    running_sum = _decimal28("f.total + f.terms[f.k + 1]", "1")
    sql = f"""
        WITH RECURSIVE rates (valid_from, valid_until, rate) AS (
            SELECT * FROM unnest(%(rate_from)s::date[], %(rate_until)s::date[],
                                 %(rate)s::numeric[])
        ), compensations (valid_from, valid_until, amount) AS (
            SELECT * FROM unnest(%(comp_from)s::date[], %(comp_until)s::date[],
                                 %(comp)s::numeric[])
        ), halves (first_day, last_day) AS (
            SELECT * FROM unnest(%(half_from)s::date[], %(half_until)s::date[])
        ), overdue AS (
            SELECT id, member_id, number, due_date, issue_date, sequence,
                   total_gross - amount_paid - amount_credited AS outstanding,
                   COALESCE(buyer ->> 'kind' = %(company)s, FALSE) AS business,
                   due_date + 1 AS late_from
            FROM {Invoice._meta.db_table}
            WHERE kind = %(invoice)s AND status = ANY(%(open)s) AND due_date < %(today)s
              AND total_gross > amount_paid + amount_credited
        ), pieces AS (
            -- the late days of each business invoice, cut at 1 January and 1 July,
            -- each with the rate in force on its first day
            SELECT o.id, o.outstanding, h.first_day, h.days, COALESCE(r.rate, 0) AS rate
            FROM overdue o
            CROSS JOIN LATERAL (
                SELECT GREATEST(o.late_from, h.first_day) AS first_day,
                       LEAST(h.last_day, %(today)s) - GREATEST(o.late_from, h.first_day) + 1
                       AS days
                FROM halves h WHERE h.last_day >= o.late_from
            ) h
            LEFT JOIN rates r ON h.first_day >= r.valid_from AND h.first_day < r.valid_until
            WHERE o.business
        ), exact AS (
            -- the interest is x / 36500, exactly
            SELECT id, SUM(outstanding * rate * days) AS x FROM pieces GROUP BY id
        ), terms AS (
            -- on a half cent: each piece's outstanding × rate / 100 × days / 365 as
            -- late_payment's Decimal has it
            SELECT p.id, ARRAY_AGG(t.value ORDER BY p.first_day) AS terms
            FROM pieces p JOIN exact e ON e.id = p.id AND mod(2 * e.x + 365, 730) = 0
            CROSS JOIN LATERAL {term} t
            GROUP BY p.id
        ), fold (id, terms, k, total) AS (
            -- and added in order, each sum rounded like a Decimal sum
            SELECT id, terms, 1, terms[1] FROM terms
            UNION ALL
            SELECT f.id, f.terms, f.k + 1, s.value
            FROM fold f CROSS JOIN LATERAL {running_sum} s
            WHERE f.k < cardinality(f.terms)
        ), interest AS (
            SELECT e.id, COALESCE(ROUND(f.total, 2),  -- both half-up
                                  div(2 * e.x + 365, 730) * 0.01) AS interest
            FROM exact e LEFT JOIN fold f ON f.id = e.id AND f.k = cardinality(f.terms)
        ), priced AS (
            SELECT o.member_id, o.number, o.due_date, o.issue_date, o.sequence, o.id,
                   o.outstanding, COALESCE(i.interest, 0) AS interest,
                   CASE WHEN o.business THEN COALESCE(c.amount, 0) ELSE 0 END AS compensation,
                   o.business AND (o.late_from < %(rated_from)s OR c.amount IS NULL) AS unpriced
            FROM overdue o
            LEFT JOIN interest i ON i.id = o.id
            LEFT JOIN compensations c
              ON o.business AND o.late_from >= c.valid_from AND o.late_from < c.valid_until
        )
        SELECT p.member_id, m.member_number, m.legal_name, COUNT(*), SUM(p.outstanding),
               SUM(p.interest), SUM(p.compensation), MIN(p.due_date),
               (ARRAY_AGG(p.number ORDER BY p.due_date, p.issue_date, p.sequence, p.id))[1:10],
               COUNT(*) FILTER (WHERE p.unpriced)
        FROM priced p JOIN {Member._meta.db_table} m ON m.id = p.member_id
        GROUP BY p.member_id, m.member_number, m.legal_name
        ORDER BY m.member_number
    """  # noqa: S608 - table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    overdue = []
    for (
        member_id,
        member_number,
        legal_name,
        count,
        outstanding,
        interest,
        compensation,
        oldest_due,
        numbers,
        unpriced,
    ) in rows:
        overdue.append(
            MemberOverdue(
                member_id=member_id,
                member_number=member_number,
                legal_name=legal_name,
                count=count,
                outstanding=outstanding,
                # a sum of private persons' zeros alone comes back as 0, hence the cents
                interest=round_cents(interest),
                compensation=round_cents(compensation),
                oldest_due=oldest_due,
                numbers=list(numbers),
                unpriced=unpriced,
            )
        )
    return overdue


@dataclass(frozen=True)
class NumberingBreak:
    """What breaks the numbering guarantee in one (series, year): gapless
    from 1, each sequence and number once, issue dates in sequence order,
    and the counter row in step with what was issued."""

    series: str
    year: int
    counter_id: int | None
    counter_last_number: int | None
    counter_last_issued_on: datetime.date | None
    # No counter row, or one behind the highest sequence or the last issue
    # date: the next issue would collide or could break the date order.
    counter_behind: bool
    issued: int
    highest: int
    missing: int  # numbers missing between 1 and the highest issued (or counted)
    missing_ranges: list[tuple[int, int]]  # the first `limit`, as (from, to)
    duplicate_count: int
    duplicate_sequences: list[int]
    duplicate_number_count: int
    duplicate_numbers: list[str]
    out_of_order_count: int
    # (number, its issue date, the next number, its earlier issue date)
    out_of_order: list[tuple[str, datetime.date, str, datetime.date]]


def numbering_breaks(*, limit: int = 20) -> list[NumberingBreak]:
    """Every (series, year) whose issued invoices or credit notes break the
    numbering guarantee (architecture.md, "Rules that keep the data right"),
    with the first `limit` items of each kind. Invoices and credit notes are
    numbered in separate series (series = the document's kind, year = the
    issue year, `_counter_locked`).

    One query, one pass over the issued rows in sequence order within their
    series and year, each compared with the previous one (LAG): a step of
    more than one is a gap, a step of zero a duplicate, an earlier date than
    the previous row's a date-order break. Only those rows and the last of
    each series go on. The numbers used twice come from a pass over the
    unique index on the number; numbers the counter row gave out beyond the
    highest issued count as missing too. (Issued rows are the numbered ones:
    constraint invoice_numbered_iff_issued.) Normally it returns nothing:
    about 2 s on 1,000,000 invoices, half of it the sort."""
    params: dict[str, Any] = {"limit": limit}
    invoices = Invoice._meta.db_table
    sql = f"""
        WITH notable AS MATERIALIZED (
            SELECT * FROM (
                SELECT series, year, sequence, number, issue_date, id,
                       LAG(sequence) OVER w AS prev_sequence,
                       LAG(number) OVER w AS prev_number,
                       LAG(issue_date) OVER w AS prev_date,
                       LEAD(id) OVER w IS NULL AS last_row,
                       ROW_NUMBER() OVER w AS issued,
                       MAX(issue_date) OVER w AS last_date  -- of the series on its last row
                FROM {invoices}
                WHERE sequence IS NOT NULL
                -- byte order on the series: the sort is half the work, and collation
                -- rules only slow it down
                WINDOW w AS (PARTITION BY series COLLATE "C", year
                             ORDER BY sequence, issue_date, id)
            ) marked
            WHERE last_row OR sequence <> COALESCE(prev_sequence, 0) + 1
               OR issue_date < prev_date
        ), state AS (
            SELECT COALESCE(s.series, c.series) AS series, COALESCE(s.year, c.year) AS year,
                   c.id AS counter_id, c.last_number, c.last_issued_on,
                   COALESCE(s.issued, 0) AS issued, COALESCE(s.sequence, 0) AS highest,
                   s.last_date
            FROM (SELECT * FROM notable WHERE last_row) s
            FULL JOIN {NumberCounter._meta.db_table} c
              ON c.series = s.series AND c.year = s.year
        ), gaps AS (
            SELECT series, year, COALESCE(prev_sequence, 0) + 1 AS gap_from,
                   sequence - 1 AS gap_to
            FROM notable WHERE sequence > COALESCE(prev_sequence, 0) + 1
            UNION ALL  -- numbers the counter gave out that no issued row carries
            SELECT series, year, highest + 1, last_number FROM state WHERE last_number > highest
        ), gap_lists AS (
            SELECT series, year, SUM(gap_to - gap_from + 1) AS missing,
                   ARRAY_AGG(gap_from ORDER BY gap_from) FILTER (WHERE rn <= %(limit)s) AS froms,
                   ARRAY_AGG(gap_to ORDER BY gap_from) FILTER (WHERE rn <= %(limit)s) AS tos
            FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY series, year ORDER BY gap_from) AS rn
                  FROM gaps) g
            GROUP BY series, year
        ), duplicates AS (
            SELECT series, year, COUNT(*) AS n,
                   ARRAY_AGG(sequence ORDER BY sequence) FILTER (WHERE rn <= %(limit)s) AS items
            FROM (SELECT series, year, sequence,
                         ROW_NUMBER() OVER (PARTITION BY series, year ORDER BY sequence) AS rn
                  FROM notable WHERE sequence = prev_sequence
                  GROUP BY series, year, sequence) d
            GROUP BY series, year
        ), twice AS (
            -- numbers used more than once, in the order of the number's index
            SELECT DISTINCT number FROM (
                SELECT number, LAG(number) OVER (ORDER BY number) AS prev_number
                FROM {invoices} WHERE number <> ''
            ) n
            WHERE number = prev_number
        ), duplicate_numbers AS (
            SELECT series, year, COUNT(*) AS n,
                   ARRAY_AGG(number ORDER BY number) FILTER (WHERE rn <= %(limit)s) AS items
            FROM (SELECT i.series, i.year, i.number,
                         ROW_NUMBER() OVER (PARTITION BY i.series, i.year ORDER BY i.number) AS rn
                  FROM {invoices} i JOIN twice t ON t.number = i.number
                  GROUP BY i.series, i.year, i.number) d
            GROUP BY series, year
        ), disorder AS (
            SELECT series, year, COUNT(*) AS n,
                   ARRAY_AGG(prev_number ORDER BY rn) FILTER (WHERE rn <= %(limit)s) AS befores,
                   ARRAY_AGG(prev_date ORDER BY rn) FILTER (WHERE rn <= %(limit)s) AS before_dates,
                   ARRAY_AGG(number ORDER BY rn) FILTER (WHERE rn <= %(limit)s) AS numbers,
                   ARRAY_AGG(issue_date ORDER BY rn) FILTER (WHERE rn <= %(limit)s) AS dates
            FROM (SELECT *, ROW_NUMBER() OVER (
                             PARTITION BY series, year ORDER BY sequence, issue_date, id) AS rn
                  FROM notable WHERE issue_date < prev_date) b
            GROUP BY series, year
        )
        SELECT st.series, st.year, st.counter_id, st.last_number, st.last_issued_on,
               st.issued > 0 AND (st.counter_id IS NULL OR st.last_number < st.highest
                                  OR st.last_issued_on IS NULL
                                  OR st.last_issued_on < st.last_date) AS counter_behind,
               st.issued, st.highest,
               COALESCE(g.missing, 0), g.froms, g.tos,
               COALESCE(d.n, 0), d.items, COALESCE(n.n, 0), n.items,
               COALESCE(o.n, 0), o.befores, o.before_dates, o.numbers, o.dates
        FROM state st
        LEFT JOIN gap_lists g ON g.series = st.series AND g.year = st.year
        LEFT JOIN duplicates d ON d.series = st.series AND d.year = st.year
        LEFT JOIN duplicate_numbers n ON n.series = st.series AND n.year = st.year
        LEFT JOIN disorder o ON o.series = st.series AND o.year = st.year
        WHERE g.missing IS NOT NULL OR d.n IS NOT NULL OR n.n IS NOT NULL OR o.n IS NOT NULL
           OR (st.issued > 0 AND (st.counter_id IS NULL OR st.last_number < st.highest
                                  OR st.last_issued_on IS NULL
                                  OR st.last_issued_on < st.last_date))
        ORDER BY st.series, st.year
    """  # noqa: S608 - table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    breaks = []
    for row in rows:
        (
            series,
            year,
            counter_id,
            last_number,
            last_issued_on,
            behind,
            issued,
            highest,
            missing,
            froms,
            tos,
            dup_count,
            dups,
            dup_number_count,
            dup_numbers,
            disorder_count,
            befores,
            before_dates,
            numbers,
            dates,
        ) = row
        breaks.append(
            NumberingBreak(
                series=series,
                year=year,
                counter_id=counter_id,
                counter_last_number=last_number,
                counter_last_issued_on=last_issued_on,
                counter_behind=behind,
                issued=issued,
                highest=highest,
                missing=int(missing),
                missing_ranges=list(zip(froms or [], tos or [], strict=True)),
                duplicate_count=dup_count,
                duplicate_sequences=list(dups or []),
                duplicate_number_count=dup_number_count,
                duplicate_numbers=list(dup_numbers or []),
                out_of_order_count=disorder_count,
                out_of_order=list(
                    zip(befores or [], before_dates or [], numbers or [], dates or [], strict=True)
                ),
            )
        )
    return breaks


def _holding_periods_sql() -> str:
    """The periods during which each member held at least one share, as SQL
    for a subquery with columns (member_id, held_from, held_until): a period
    starts the day the holding turns positive and ends (exclusive) the day
    it falls back to zero; an open period has held_until NULL. Other apps
    join it to their own rows (who invoiced without a share on that day),
    so it stays one set-based query at any size."""
    table = RegisterEntry._meta.db_table
    sql = f"""
        SELECT member_id, held_from, held_until FROM (
            SELECT member_id, day AS held_from, starts,
                   LEAD(day) OVER (PARTITION BY member_id ORDER BY day) AS held_until
            FROM (
                SELECT member_id, day, held > 0 AS starts,
                       LAG(held, 1, 0) OVER (PARTITION BY member_id ORDER BY day) > 0 AS before
                FROM (
                    SELECT member_id, effective_on AS day,
                           SUM(SUM(quantity)) OVER (
                               PARTITION BY member_id ORDER BY effective_on
                           ) AS held
                    FROM {table}
                    GROUP BY member_id, effective_on
                ) daily
            ) marks
            WHERE starts <> before
        ) edges
        WHERE starts
    """  # noqa: S608 - no user input, the table name comes from the model
    return sql


@dataclass(frozen=True)
class MemberInvoicing:
    """A member's issued invoices that fall in none of their share periods."""

    member_id: int
    member_number: int
    legal_name: str
    count: int
    first_issued: datetime.date
    last_issued: datetime.date
    numbers: list[str]  # the first ten, in issue order


def invoices_issued_without_share() -> list[MemberInvoicing]:
    """Per member, the issued invoices (credit notes and drafts aside) whose
    issue date falls in none of the member's share holding periods
    (`_holding_periods_sql`).

    One query: the periods are computed once (a materialised CTE) and
    anti-joined on the member, so the invoices are read in one pass."""
    periods = _holding_periods_sql()
    sql = f"""
        WITH periods AS MATERIALIZED ({periods}), outside AS (
            SELECT i.member_id, COUNT(*) AS n, MIN(i.issue_date) AS first_issued,
                   MAX(i.issue_date) AS last_issued,
                   (ARRAY_AGG(i.number ORDER BY i.issue_date, i.sequence, i.id))[1:10] AS numbers
            FROM {Invoice._meta.db_table} i
            WHERE i.kind = %s AND i.status <> %s
              AND NOT EXISTS (
                  SELECT 1 FROM periods p
                  WHERE p.member_id = i.member_id AND p.held_from <= i.issue_date
                    AND (p.held_until IS NULL OR i.issue_date < p.held_until)
              )
            GROUP BY i.member_id
        )
        SELECT m.id, m.member_number, m.legal_name, o.n, o.first_issued, o.last_issued,
               o.numbers
        FROM outside o JOIN {Member._meta.db_table} m ON m.id = o.member_id
        ORDER BY m.member_number
    """  # noqa: S608 - table names from the models, no user input
    with connection.cursor() as cursor:
        cursor.execute(sql, [DocumentKind.INVOICE, InvoiceStatus.DRAFT])
        rows = cursor.fetchall()
    return [
        MemberInvoicing(
            member_id=member_id,
            member_number=member_number,
            legal_name=legal_name,
            count=count,
            first_issued=first,
            last_issued=last,
            numbers=list(numbers),
        )
        for member_id, member_number, legal_name, count, first, last, numbers in rows
    ]


def document_kind_label(kind: str) -> str:
    """ "Invoice" or "Credit note" in the active language (the numbering
    series are named after the kind); an unknown kind as it is."""
    return str(DocumentKind(kind).label) if kind in DocumentKind.values else kind
