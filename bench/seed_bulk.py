"""The demo plan of invoicing.demo written in bulk, for the benchmarks'
million invoices (bench/seed.py).

invoicing.demo.seed_invoices carries a plan out through the services, which
takes about 25 ms per invoice: hours at a million. This writes the same plan
as the services would have written it, with COPY on PostgreSQL: numbers from
the counters in the order of issue, figures from invoicing.calculation with
the rules in force (VAT options on the date of supply, the contribution rate
and number format on the day of issue), the snapshots of invoicing.snapshots,
the follow-up status of Invoice.follow_up_status(). tests/bench/
test_seed_bulk.py holds it to the services: the same plan gives the same
numbers, totals, statuses and rule provenance.

Not written: the history rows the services' saves add (one per save); the
admin shows an empty history for these demo documents.

Speed: ids are drawn from the tables' sequences first, so rows can refer to
each other; the lines of a chunk go in before their invoices (the trigger of
invoicing 0002, which refuses lines of an issued invoice, finds no issued
parent yet). Its check is planned per call (plan_cache_mode =
force_custom_plan for the seed's transaction): a cached generic plan made
while the invoice table is empty would scan the table for every line.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import override

from invoicing import snapshots
from invoicing.calculation import (
    CreditLineInput,
    LineInput,
    Totals,
    VatOption,
    compute_totals,
    credit_totals,
    proportional_contribution,
    vat_option_for,
    vat_options,
)
from invoicing.demo import (
    ClientPlan,
    DemoPlan,
    InvoicePlan,
    PartyPlan,
    demo_plan,
    payment_amount,
    recorder,
    transaction_id,
)
from invoicing.models import (
    Activity,
    Client,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    NumberCounter,
    PaymentSource,
)
from invoicing.services import (
    CONTRIBUTION_RATE,
    CREDIT_NOTE_MENTION,
    ISSUE_DEADLINE_DAY,
    LATE_ISSUE_WARNING,
    NUMBER_FORMAT,
    PAYMENT_TERM_MAX,
    REFERENCE_BASE,
    issue_deadline,
)
from members.models import Member
from rules.selectors import rules_on
from smartcoop.lib.ogm import ogm_format, ogm_from_number

CHUNK = 20_000  # documents per round of inserts


class _JsonText(str):
    """A value already serialised as JSON (shared by many rows)."""


def _json(value: Any) -> _JsonText:
    return _JsonText(json.dumps(value))


class _Table:
    """Rows of one table written in bulk, in the order of `columns` (the
    primary key first): COPY on PostgreSQL, executemany elsewhere. Ids are
    drawn beforehand with `ids()`, so rows can refer to each other."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        self.table = meta.db_table
        self.fields: list[Any] = [meta.get_field(name) for name in columns]
        self.columns = [str(f.column) for f in self.fields]
        self.postgres = connection.vendor == "postgresql"
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self._next_id = 0
        self.written = 0

    def ids(self, count: int) -> list[int]:
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [int(row[0]) for row in cursor.fetchall()]
            if not self._next_id:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')
                self._next_id = int(cursor.fetchone()[0]) + 1
                if connection.vendor == "sqlite":
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                    row = cursor.fetchone()
                    self._next_id = max(self._next_id, int(row[0]) + 1 if row else 0)
        first, self._next_id = self._next_id, self._next_id + count
        return list(range(first, first + count))

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        if self.postgres:
            from psycopg import sql
            from psycopg.types.json import Jsonb

            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(self.table), sql.SQL(", ").join(map(sql.Identifier, self.columns))
            )
            json_columns = self.json
            with connection.cursor() as cursor, cursor.cursor.copy(copy) as out:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for i in json_columns:
                            if not isinstance(row[i], _JsonText):  # else: already JSON text
                                row[i] = Jsonb(row[i])
                    out.write_row(row)
                    self.written += 1
            return
        names = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        prepared = [
            [
                f.get_db_prep_save(json.loads(v) if isinstance(v, _JsonText) else v, connection)
                for f, v in zip(self.fields, row, strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({names}) VALUES ({marks})",
                prepared,
            )
        self.written += len(prepared)


ACTIVITY_COLUMNS = [
    "id",
    "member_id",
    "name",
    "kind",
    "budget",
    "description",
    "archived",
    "created_at",
]
CLIENT_COLUMNS = [
    "id",
    "member_id",
    "kind",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_number",
    "enterprise_number",
    "peppol_id",
    "email",
    "language",
    "archived",
    "created_at",
    "updated_at",
]
INVOICE_COLUMNS = [
    "id",
    "kind",
    "status",
    "member_id",
    "activity_id",
    "client_id",
    "credited_invoice_id",
    "series",
    "year",
    "sequence",
    "number",
    "structured_reference",
    "supply_date",
    "issue_date",
    "payment_term_days",
    "due_date",
    "buyer_reference",
    "notes",
    "credit_reason",
    "total_net",
    "total_vat",
    "total_gross",
    "contribution_rate",
    "contribution",
    "vat_breakdown",
    "amount_paid",
    "amount_credited",
    "contribution_credited",
    "sent_at",
    "paid_on",
    "language",
    "seller",
    "buyer",
    "mentions",
    "warnings",
    "rules_used",
    "created_by_id",
    "issued_by_id",
    "issued_at",
    "created_at",
    "updated_at",
]
LINE_COLUMNS = [
    "id",
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "vat_category",
    "vat_rate",
    "net_amount",
    "credits_line_id",
]
PAYMENT_COLUMNS = [
    "id",
    "invoice_id",
    "amount",
    "value_date",
    "source",
    "transaction_id",
    "communication",
    "counterparty_name",
    "counterparty_iban",
    "note",
    "reverses_id",
    "recorded_by_id",
    "recorded_at",
]
ZERO = Decimal("0.00")


@dataclass
class _Issued:
    """What the writer keeps of an issued invoice until its credit note."""

    pk: int
    plan: InvoicePlan
    options: list[VatOption]
    line_ids: list[int]
    totals: Totals
    buyer: _JsonText
    language: str
    member_user: int
    # Its credit note, computed with the invoice (its follow-up depends on it).
    wanted: list[tuple[int, Decimal]] = field(default_factory=list)
    note: Totals | None = None
    given_back: Decimal = ZERO


class _Writer:
    def __init__(self, plan: DemoPlan, log: Callable[[str], None]) -> None:
        self.plan, self.log = plan, log
        self.invoices = _Table(Invoice, INVOICE_COLUMNS)
        self.lines = _Table(InvoiceLine, LINE_COLUMNS)
        self.payments = _Table(InvoicePayment, PAYMENT_COLUMNS)
        self.seller = _json(snapshots.seller())
        self.staff = recorder()
        self.activities: dict[tuple[int, int], Activity] = {}
        self.clients: dict[tuple[int, int], int] = {}
        self.members: dict[int, Member] = {}
        self.vat: dict[datetime.date, tuple[list[VatOption], dict[str, int]]] = {}
        self.rules: dict[datetime.date, Any] = {}
        self.pending: dict[int, _Issued] = {}
        with override("en"):
            self.late_warning = str(LATE_ISSUE_WARNING)
        self.counts = dict.fromkeys(
            [
                "invoices",
                "credit_notes",
                "late_issued",
                "paid",
                "partly_paid",
                "open",
                "overdue",
                "credited",
            ],
            0,
        )

    # --- rules, read once per day and per date of supply

    def options(self, supply: datetime.date) -> tuple[list[VatOption], dict[str, int]]:
        if supply not in self.vat:
            self.vat[supply] = vat_options(supply)
        return self.vat[supply]

    def day_rules(self, day: datetime.date) -> Any:
        if day not in self.rules:
            issue = rules_on(
                [CONTRIBUTION_RATE, PAYMENT_TERM_MAX, NUMBER_FORMAT, ISSUE_DEADLINE_DAY], on=day
            )
            credit = rules_on([NUMBER_FORMAT, CREDIT_NOTE_MENTION], on=day)
            self.rules[day] = (issue, credit)
        return self.rules[day]

    # --- parties

    def parties(self) -> None:
        members = Member.objects.in_bulk([p.member for p in self.plan.parties])
        activity_table = _Table(Activity, ACTIVITY_COLUMNS)
        client_table = _Table(Client, CLIENT_COLUMNS)
        activity_rows: list[list[Any]] = []
        client_rows: list[list[Any]] = []
        activity_ids = iter(activity_table.ids(sum(len(p.activities) for p in self.plan.parties)))
        client_ids = iter(client_table.ids(sum(len(p.clients) for p in self.plan.parties)))
        for index, p in enumerate(self.plan.parties):
            self.members[index] = members[p.member]
            for a, planned in enumerate(p.activities):
                activity = Activity(
                    pk=next(activity_ids),
                    member=members[p.member],
                    name=planned.name,
                    kind=planned.kind,
                )
                self.activities[index, a] = activity
                activity_rows.append(
                    [
                        activity.pk,
                        p.member,
                        planned.name,
                        planned.kind,
                        planned.budget,
                        "",
                        False,
                        p.created_at,
                    ]
                )
            for c, client in enumerate(p.clients):
                pk = next(client_ids)
                self.clients[index, c] = pk
                client_rows.append(
                    [
                        pk,
                        p.member,
                        client.kind,
                        client.name,
                        client.street,
                        client.postal_code,
                        client.city,
                        client.country,
                        client.vat_number,
                        client.enterprise_number,
                        "",
                        client.email,
                        client.language,
                        False,
                        p.created_at,
                        p.created_at,
                    ]
                )
        activity_table.write(activity_rows)
        client_table.write(client_rows)

    # --- documents, in the order of issue

    def documents(self) -> None:
        order: list[tuple[datetime.datetime, int, int]] = []  # (moment, kind, key)
        plans: dict[int, InvoicePlan] = {}
        for invoice_plan in self.plan.invoices():
            plans[invoice_plan.key] = invoice_plan
            order.append((invoice_plan.issued_at, 0, invoice_plan.key))
            if invoice_plan.credit is not None:
                order.append((invoice_plan.credit.at, 1, invoice_plan.key))
        order.sort()
        # The counters the plan numbers in, created if missing (as the first
        # issue of a year creates its row) and locked as the services lock them.
        series_years = {
            (
                DocumentKind.CREDIT_NOTE if kind else DocumentKind.INVOICE,
                timezone.localdate(moment).year,
            )
            for moment, kind, _key in order
        }
        NumberCounter.objects.bulk_create(
            [NumberCounter(series=s, year=y) for s, y in series_years], ignore_conflicts=True
        )
        counters = {
            (c.series, c.year): c
            for c in NumberCounter.objects.select_for_update().filter(
                year__in={y for _s, y in series_years}
            )
        }
        for start in range(0, len(order), CHUNK):
            chunk = order[start : start + CHUNK]
            ids = self.invoices.ids(len(chunk))
            invoice_rows: list[list[Any]] = []
            payment_rows: list[list[Any]] = []
            line_rows: list[list[Any]] = []
            # Every row of the chunk first (ids and rules may need the
            # database), then the COPYs, which hold the connection.
            for (moment, kind, key), pk in zip(chunk, ids, strict=True):
                day = timezone.localdate(moment)
                series = DocumentKind.CREDIT_NOTE if kind else DocumentKind.INVOICE
                counter = counters[(series, day.year)]
                counter.last_number += 1
                counter.last_issued_on = day
                if kind == 0:
                    line_rows += self._invoice(
                        plans[key], pk, counter, moment, invoice_rows, payment_rows
                    )
                else:
                    line_rows += self._credit(
                        self.pending.pop(key), pk, counter, moment, invoice_rows
                    )
            # Lines first, then their invoices (module docstring), then payments.
            self.lines.write(line_rows)
            self.invoices.write(invoice_rows)
            for row, pk in zip(payment_rows, self.payments.ids(len(payment_rows)), strict=True):
                row[0] = pk
            self.payments.write(payment_rows)
            self.log(f"  {min(start + CHUNK, len(order)):>8} / {len(order)} documents")
        assert not self.pending, "every planned credit note was written"
        for counter in counters.values():
            counter.save(update_fields=["last_number", "last_issued_on"])

    def _invoice(
        self,
        plan: InvoicePlan,
        pk: int,
        counter: NumberCounter,
        issued_at: datetime.datetime,
        invoice_rows: list[list[Any]],
        payment_rows: list[list[Any]],
    ) -> Iterator[list[Any]]:
        """As invoice_draft_save then invoice_issue write it, with the follow-up
        its credit note, sending and payments give it."""
        party = self.plan.parties[plan.party]
        client = party.clients[plan.client]
        activity = self.activities[plan.party, plan.activity]
        day = timezone.localdate(issued_at)
        issue_rules, _credit_rules = self.day_rules(day)
        options, vat_provenance = self.options(plan.supply_date)
        chosen = [vat_option_for(line.vat, options) for line in plan.lines]
        assert all(chosen), "a planned VAT code is offered on its date of supply"
        used_options = [o for o in chosen if o is not None]
        totals = compute_totals(
            [
                LineInput(line.quantity, line.unit_price, o.category, o.rate)
                for line, o in zip(plan.lines, used_options, strict=True)
            ],
            contribution_rate=Decimal(issue_rules.value(CONTRIBUTION_RATE)),
        )
        number = issue_rules.value(NUMBER_FORMAT)[DocumentKind.INVOICE].format(
            year=day.year, number=counter.last_number
        )
        buyer = _buyer(client, self.members[plan.party], activity)
        deadline = issue_deadline(plan.supply_date, day=issue_rules.value(ISSUE_DEADLINE_DAY))
        warnings = []
        if day > deadline:
            warnings = [
                self.late_warning
                % {"supply": f"{plan.supply_date:%d/%m/%Y}", "deadline": f"{deadline:%d/%m/%Y}"}
            ]
            self.counts["late_issued"] += 1
        line_ids = self.lines.ids(len(plan.lines))
        issued = _Issued(
            pk, plan, used_options, line_ids, totals, buyer, client.language, party.user
        )
        if plan.credit is not None:
            self._plan_credit(issued)
            self.pending[plan.key] = issued
        payments, follow_up = self._follow_up(issued)
        payment_rows.extend(payments)
        term = client.term
        used = {o.code: o for o in used_options}
        invoice_rows.append(
            [
                pk,
                DocumentKind.INVOICE,
                follow_up["status"],
                party.member,
                activity.pk,
                self.clients[plan.party, plan.client],
                None,
                DocumentKind.INVOICE,
                day.year,
                counter.last_number,
                number,
                ogm_from_number(REFERENCE_BASE + pk),
                plan.supply_date,
                day,
                term,
                day + datetime.timedelta(days=term),
                plan.buyer_reference,
                "",
                "",
                totals.net,
                totals.vat,
                totals.gross,
                totals.contribution_rate,
                totals.contribution,
                _json([g.as_json() for g in totals.groups]),
                follow_up["amount_paid"],
                follow_up["amount_credited"],
                follow_up["contribution_credited"],
                plan.sent_at,
                follow_up["paid_on"],
                client.language,
                self.seller,
                buyer,
                _json(snapshots.mentions(used.values(), client.language)),
                _json(warnings),
                _json(issue_rules.provenance() | vat_provenance),
                party.user,
                party.user,
                issued_at,
                plan.created_at,
                issued_at,
            ]
        )
        self.counts["invoices"] += 1
        for position, (line, option, net, line_id) in enumerate(
            zip(plan.lines, used_options, totals.line_nets, line_ids, strict=True), 1
        ):
            yield [
                line_id,
                pk,
                position,
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                option.category,
                option.rate,
                net,
                None,
            ]

    def _plan_credit(self, issued: _Issued) -> None:
        """The figures of the invoice's credit note, as credit_note_issue
        computes them for a first credit note."""
        plan, totals = issued.plan, issued.totals
        credit = plan.credit
        assert credit is not None
        issued.wanted = (
            [(i, line.quantity) for i, line in enumerate(plan.lines)]
            if credit.full
            else [(credit.line, credit.quantity)]
        )
        inputs = []
        for i, quantity in issued.wanted:
            whole = quantity == plan.lines[i].quantity
            inputs.append(
                CreditLineInput(
                    quantity,
                    plan.lines[i].unit_price,
                    issued.options[i].category,
                    issued.options[i].rate,
                    rest_of_line_net=totals.line_nets[i] if whole else None,
                )
            )
        takes_the_rest = len(issued.wanted) == len(plan.lines) and all(
            quantity == plan.lines[i].quantity for i, quantity in issued.wanted
        )
        rest_of_vat = {(g.category, g.rate): g.vat for g in totals.groups}
        issued.note = credit_totals(
            inputs,
            contribution_rate=totals.contribution_rate,
            rest_of_vat=rest_of_vat if takes_the_rest else None,
        )
        assert issued.note.gross <= totals.gross, "a credit note takes no more than is left"
        issued.given_back = proportional_contribution(
            credited_net=issued.note.net,
            invoice_net=totals.net,
            invoice_contribution=totals.contribution,
            already_reversed=ZERO,
            remaining_net=totals.net,
        )

    def _follow_up(self, issued: _Issued) -> tuple[list[list[Any]], dict[str, Any]]:
        """The invoice's payment rows and follow-up columns, as the services
        leave them once it is credited, sent and paid as planned."""
        plan, totals = issued.plan, issued.totals
        credited = issued.note.gross if issued.note is not None else ZERO
        invoice = Invoice(
            total_gross=totals.gross,
            amount_credited=credited,
            amount_paid=ZERO,
            sent_at=plan.sent_at,
        )
        party = self.plan.parties[plan.party]
        client = party.clients[plan.client]
        rows = []
        paid_on = None
        for k, payment in enumerate(plan.payments, 1):
            amount = payment_amount(
                payment, payable=totals.gross - credited, due=invoice.amount_due
            )
            if amount <= 0:
                continue
            invoice.amount_paid += amount
            paid_on = payment.on
            reference = ogm_format(ogm_from_number(REFERENCE_BASE + issued.pk))
            rows.append(
                [
                    0,
                    issued.pk,
                    amount,
                    payment.on,
                    PaymentSource.BANK if payment.bank else PaymentSource.MANUAL,
                    transaction_id(party, plan.key, k, bank=payment.bank),
                    reference if payment.bank else "",
                    client.name[:200] if payment.bank else "",
                    client.iban if payment.bank else "",
                    "demo statement" if payment.bank else "",
                    None,
                    self.staff.pk,
                    payment.recorded_at,
                ]
            )
        status = invoice.follow_up_status()
        self.counts[status if status in ("paid", "partly_paid", "credited") else "open"] += 1
        due = timezone.localdate(plan.issued_at) + datetime.timedelta(days=client.term)
        if status != InvoiceStatus.CREDITED and invoice.amount_due > 0 and due < self.plan.today:
            self.counts["overdue"] += 1
        return rows, {
            "status": status,
            "amount_paid": invoice.amount_paid,
            "amount_credited": credited,
            "contribution_credited": issued.given_back,
            "paid_on": paid_on if status == InvoiceStatus.PAID else None,
        }

    def _credit(
        self,
        issued: _Issued,
        pk: int,
        counter: NumberCounter,
        issued_at: datetime.datetime,
        invoice_rows: list[list[Any]],
    ) -> Iterator[list[Any]]:
        """The credit note planned with the invoice, in its place in the series."""
        plan, note = issued.plan, issued.note
        credit = plan.credit
        assert credit is not None and note is not None
        day = timezone.localdate(issued_at)
        _issue_rules, credit_rules = self.day_rules(day)
        mention = credit_rules.value(CREDIT_NOTE_MENTION)
        _options, vat_provenance = self.options(plan.supply_date)
        # The credited lines' own options, in line order (as credit_note_issue).
        used = list({issued.options[i].code: issued.options[i] for i, _q in issued.wanted}.values())
        number = credit_rules.value(NUMBER_FORMAT)[DocumentKind.CREDIT_NOTE].format(
            year=day.year, number=counter.last_number
        )
        party = self.plan.parties[plan.party]
        invoice_rows.append(
            [
                pk,
                DocumentKind.CREDIT_NOTE,
                InvoiceStatus.ISSUED,
                party.member,
                self.activities[plan.party, plan.activity].pk,
                self.clients[plan.party, plan.client],
                issued.pk,
                DocumentKind.CREDIT_NOTE,
                day.year,
                counter.last_number,
                number,
                ogm_from_number(REFERENCE_BASE + pk),
                plan.supply_date,
                day,
                0,
                day,
                plan.buyer_reference,
                "",
                credit.reason[:300],
                note.net,
                note.vat,
                note.gross,
                note.contribution_rate,
                issued.given_back,
                _json([g.as_json() for g in note.groups]),
                ZERO,
                ZERO,
                ZERO,
                None,
                None,
                issued.language,
                self.seller,
                issued.buyer,
                _json(snapshots.mentions(used, issued.language, [mention])),
                _json([]),
                _json(credit_rules.provenance() | vat_provenance),
                party.user,
                party.user,
                issued_at,
                issued_at,
                issued_at,
            ]
        )
        self.counts["credit_notes"] += 1
        note_line_ids = self.lines.ids(len(issued.wanted))
        for position, ((i, quantity), net, line_id) in enumerate(
            zip(issued.wanted, note.line_nets, note_line_ids, strict=True), 1
        ):
            line, option = plan.lines[i], issued.options[i]
            yield [
                line_id,
                pk,
                position,
                line.description,
                quantity,
                line.unit,
                line.unit_price,
                option.category,
                option.rate,
                net,
                issued.line_ids[i],
            ]

    # --- drafts

    def drafts(self) -> int:
        rows, line_rows = [], []
        ids = iter(self.invoices.ids(len(self.plan.drafts)))
        for draft in self.plan.drafts:
            pk = next(ids)
            party = self.plan.parties[draft.party]
            client = party.clients[draft.client]
            options, _provenance = self.options(draft.supply_date)
            chosen = [vat_option_for(line.vat, options) for line in draft.lines]
            rate = Decimal(
                rules_on([CONTRIBUTION_RATE], on=self.plan.today).value(CONTRIBUTION_RATE)
            )
            totals = compute_totals(
                [
                    LineInput(x.quantity, x.unit_price, o.category, o.rate)
                    for x, o in zip(draft.lines, chosen, strict=True)
                    if o
                ],
                contribution_rate=rate,
            )
            rows.append(
                [
                    pk,
                    DocumentKind.INVOICE,
                    InvoiceStatus.DRAFT,
                    party.member,
                    self.activities[draft.party, draft.activity].pk,
                    self.clients[draft.party, draft.client],
                    None,
                    "",
                    None,
                    None,
                    "",
                    "",
                    draft.supply_date,
                    None,
                    client.term,
                    None,
                    "",
                    "",
                    "",
                    totals.net,
                    totals.vat,
                    totals.gross,
                    totals.contribution_rate,
                    totals.contribution,
                    [g.as_json() for g in totals.groups],
                    ZERO,
                    ZERO,
                    ZERO,
                    None,
                    None,
                    client.language,
                    {},
                    {},
                    [],
                    [],
                    {},
                    party.user,
                    None,
                    None,
                    draft.created_at,
                    draft.created_at,
                ]
            )
            for position, (x, option, net) in enumerate(
                zip(draft.lines, chosen, totals.line_nets, strict=True), 1
            ):
                assert option is not None
                line_rows.append(
                    [
                        0,
                        pk,
                        position,
                        x.description,
                        x.quantity,
                        x.unit,
                        x.unit_price,
                        option.category,
                        option.rate,
                        net,
                        None,
                    ]
                )
        self.invoices.write(rows)
        for row, line_id in zip(line_rows, self.lines.ids(len(line_rows)), strict=True):
            row[0] = line_id
        self.lines.write(line_rows)
        return len(rows)


def _buyer(client: ClientPlan, member: Member, activity: Activity) -> _JsonText:
    """The buyer snapshot (invoicing.snapshots) of a planned client."""
    model = Client(
        kind=client.kind,
        name=client.name,
        street=client.street,
        postal_code=client.postal_code,
        city=client.city,
        country=client.country,
        vat_number=client.vat_number,
        enterprise_number=client.enterprise_number,
        email=client.email,
        language=client.language,
    )
    invoice = Invoice(member=member, activity=activity)
    return _json(snapshots.buyer(model) | snapshots.member_mentions(invoice))


def write_plan(plan: DemoPlan, *, log: Callable[[str], None] = print) -> dict[str, int]:
    """Write `plan` in bulk, in one transaction; how many of each kind."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        writer = _Writer(plan, log)
        writer.parties()
        writer.documents()
        drafts = writer.drafts()
    return {
        "members": len(plan.parties),
        "activities": len(writer.activities),
        "clients": len(writer.clients),
        **writer.counts,
        "lines": writer.lines.written,
        "payments": writer.payments.written,
        "drafts": drafts,
    }


def seed_invoices_bulk(
    n: int, *, seed: int = 2026, log: Callable[[str], None] = print
) -> dict[str, int]:
    """invoicing.demo.seed_invoices, written in bulk."""
    plan = demo_plan(n, seed=seed)
    log(f"  {len(plan.skeletons)} invoices planned for {len(plan.parties)} members")
    return write_plan(plan, log=log)


__all__ = ["PartyPlan", "seed_invoices_bulk", "write_plan"]
