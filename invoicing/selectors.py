"""Reads of invoicing that views, the admin, tasks and other apps share.

Every member-owned object is fetched scoped to the member: another member's
id answers 404 (architecture.md). List selectors return querysets with the
joins their pages need, so a page runs the same number of queries for one
row as for fifty (style.md, item 8).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.shortcuts import get_object_or_404

from invoicing import extensions
from invoicing.models import (
    OPEN_STATUSES,
    OVERDUE,
    Activity,
    Client,
    DocumentKind,
    Invoice,
    InvoiceStatus,
)
from members.models import Member

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


# --- Owned objects -------------------------------------------------------------------


def activity_get_owned(*, user: User, pk: int) -> Activity:
    return get_object_or_404(Activity, pk=pk, member__user=user)


def client_get_owned(*, user: User, pk: int) -> Client:
    return get_object_or_404(Client, pk=pk, member__user=user)


def invoice_get_owned(*, user: User, pk: int) -> Invoice:
    """An invoice of the user's own, with what its page shows: lines,
    payments, credit notes, and what the sections of the apps above add
    (stored documents and sendings; one query each after this one, whatever
    their number)."""
    return get_object_or_404(invoice_detail_queryset(), pk=pk, member__user=user)


def draft_parties(
    *, member: Member, client_id: str, activity_id: str
) -> tuple[Client | None, Activity | None]:
    """The member's own client and activity with these ids as typed in a
    draft form (None for an empty, unreadable or foreign id)."""
    client = (
        Client.objects.filter(member=member, pk=int(client_id)).first()
        if client_id.isdigit()
        else None
    )
    activity = (
        Activity.objects.filter(member=member, pk=int(activity_id)).first()
        if activity_id.isdigit()
        else None
    )
    return client, activity


def invoice_detail_queryset() -> QuerySet[Invoice]:
    selected, prefetched = extensions.related_for(extensions.INVOICE_PAGE)
    return Invoice.objects.select_related(
        "member", "client", "activity", "credited_invoice", *selected
    ).prefetch_related("lines", "payments", "credit_notes", *prefetched)


# --- Lists ---------------------------------------------------------------------------


def activity_list(*, member: Member, include_archived: bool = False) -> QuerySet[Activity]:
    activities = Activity.objects.filter(member=member)
    if not include_archived:
        activities = activities.filter(archived=False)
    return activities.annotate(
        invoiced=Coalesce(
            Sum(
                "invoices__total_net",
                filter=Q(invoices__kind=DocumentKind.INVOICE)
                & ~Q(invoices__status=InvoiceStatus.DRAFT),
            ),
            ZERO,
        ),
        credited=Coalesce(
            Sum(
                "invoices__total_net",
                filter=Q(invoices__kind=DocumentKind.CREDIT_NOTE)
                & ~Q(invoices__status=InvoiceStatus.DRAFT),
            ),
            ZERO,
        ),
        invoice_count=Count("invoices", filter=Q(invoices__kind=DocumentKind.INVOICE)),
    ).order_by("archived", "name")


def activity_choices(*, member: Member) -> list[tuple[int, str]]:
    """(id, name) of all the member's activities, for filter drop-downs."""
    return list(Activity.objects.filter(member=member).order_by("name").values_list("pk", "name"))


def client_choices(*, member: Member) -> list[tuple[int, str]]:
    return list(Client.objects.filter(member=member).order_by("name").values_list("pk", "name"))


def client_list(
    *, member: Member, search: str = "", include_archived: bool = False
) -> QuerySet[Client]:
    clients = Client.objects.filter(member=member)
    if not include_archived:
        clients = clients.filter(archived=False)
    search = search.strip()
    if search:
        clients = clients.filter(
            Q(name__icontains=search)
            | Q(vat_number__icontains=search.replace(" ", ""))
            | Q(enterprise_number__icontains=search.replace(".", "").replace(" ", ""))
            | Q(email__icontains=search)
            | Q(city__icontains=search)
        )
    return clients.order_by("archived", "name", "pk")


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""
    client: int | None = None
    activity: int | None = None
    kind: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    search: str = ""


def invoice_list(
    *, member: Member, filters: InvoiceFilters, today: datetime.date
) -> QuerySet[Invoice]:
    """The member's invoices and credit notes, newest first, filtered. The
    period filters on the invoice date (drafts: the date of supply)."""
    invoices = Invoice.objects.filter(member=member).select_related("client", "activity")
    return _filtered(invoices, filters, today).order_by(
        F("issue_date").desc(nulls_first=True), "-sequence", "-pk"
    )


def _filtered(
    invoices: QuerySet[Invoice], filters: InvoiceFilters, today: datetime.date
) -> QuerySet[Invoice]:
    if filters.status == OVERDUE:
        invoices = invoices.filter(overdue_q(today))
    elif filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.kind:
        invoices = invoices.filter(kind=filters.kind)
    if filters.client:
        invoices = invoices.filter(client_id=filters.client)
    if filters.activity:
        invoices = invoices.filter(activity_id=filters.activity)
    if filters.date_from:
        invoices = invoices.filter(
            Q(issue_date__gte=filters.date_from)
            | Q(issue_date__isnull=True, supply_date__gte=filters.date_from)
        )
    if filters.date_to:
        invoices = invoices.filter(
            Q(issue_date__lte=filters.date_to)
            | Q(issue_date__isnull=True, supply_date__lte=filters.date_to)
        )
    search = filters.search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        query = (
            Q(number__icontains=search)
            | Q(client__name__icontains=search)
            | Q(buyer_reference__icontains=search)
            | Q(lines__description__icontains=search)
        )
        if len(digits) == 12:
            query |= Q(structured_reference=digits)
        invoices = invoices.filter(pk__in=Invoice.objects.filter(query).values("pk"))
    return invoices


def overdue_q(today: datetime.date) -> Q:
    """Open invoices whose due date has passed and that still have money due."""
    return Q(
        kind=DocumentKind.INVOICE,
        status__in=OPEN_STATUSES,
        due_date__lt=today,
        total_gross__gt=F("amount_paid") + F("amount_credited"),
    )


def invoice_export_rows(
    *, member: Member, date_from: datetime.date, date_to: datetime.date
) -> Iterator[Invoice]:
    """Issued invoices and credit notes of a period, in number order, for CSV."""
    return (
        Invoice.objects.filter(member=member, issue_date__gte=date_from, issue_date__lte=date_to)
        .exclude(status=InvoiceStatus.DRAFT)
        .select_related("activity", "credited_invoice")
        .order_by("issue_date", "issued_at", "pk")
        .iterator(chunk_size=2000)
    )


# --- Dashboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthTurnover:
    month: datetime.date  # the first of the month
    net: Decimal


@dataclass(frozen=True)
class InvoicingDashboard:
    months: list[MonthTurnover]
    contribution_year: Decimal
    outstanding: Decimal
    overdue: Decimal
    overdue_count: int
    drafts: int
    next_due: list[Invoice]

    @property
    def max_month(self) -> Decimal:
        return max((m.net for m in self.months), default=Decimal(0))


def _month_start(day: datetime.date, back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def invoicing_dashboard(*, member: Member, today: datetime.date) -> InvoicingDashboard:
    """Turnover excl. VAT per month over the last 12 months (credit notes
    subtracted), the contribution of this year, what is outstanding and
    overdue, the drafts waiting, and the next due dates. Three queries, each
    on the member's own rows through an index that starts with the member."""
    first = _month_start(today, 11)
    issued = Invoice.objects.filter(member=member).exclude(status=InvoiceStatus.DRAFT)
    signed_net = Sum("total_net", filter=Q(kind=DocumentKind.INVOICE)) - Coalesce(
        Sum("total_net", filter=Q(kind=DocumentKind.CREDIT_NOTE)), ZERO
    )
    per_month = {
        row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]: row[
            "net"
        ]
        or Decimal(0)
        for row in issued.filter(issue_date__gte=first, issue_date__lte=today)
        .annotate(month=TruncMonth("issue_date"))
        .values("month")
        .annotate(net=Coalesce(signed_net, ZERO))
        .order_by()
    }
    months = [
        MonthTurnover(m, per_month.get(m, Decimal("0.00")))
        for m in (_month_start(today, back) for back in range(11, -1, -1))
    ]
    open_due = F("total_gross") - F("amount_paid") - F("amount_credited")
    this_year = Q(issue_date__year=today.year) & ~Q(status=InvoiceStatus.DRAFT)
    figures = Invoice.objects.filter(member=member).aggregate(
        contribution=Coalesce(
            Sum("contribution", filter=this_year & Q(kind=DocumentKind.INVOICE)), ZERO
        )
        - Coalesce(Sum("contribution", filter=this_year & Q(kind=DocumentKind.CREDIT_NOTE)), ZERO),
        outstanding=Coalesce(
            Sum(open_due, filter=Q(kind=DocumentKind.INVOICE, status__in=OPEN_STATUSES)), ZERO
        ),
        overdue=Coalesce(Sum(open_due, filter=overdue_q(today)), ZERO),
        overdue_count=Count("pk", filter=overdue_q(today)),
        drafts=Count("pk", filter=Q(status=InvoiceStatus.DRAFT)),
    )
    drafts = figures["drafts"]
    next_due = list(
        Invoice.objects.filter(
            member=member,
            kind=DocumentKind.INVOICE,
            status__in=OPEN_STATUSES,
            due_date__gte=today,
        )
        .select_related("client")
        .order_by("due_date", "pk")[:5]
    )
    return InvoicingDashboard(
        months=months,
        contribution_year=figures["contribution"],
        outstanding=figures["outstanding"],
        overdue=figures["overdue"],
        overdue_count=figures["overdue_count"],
        drafts=drafts,
        next_due=next_due,
    )


def drafts_count(on: datetime.date) -> int:
    """Drafts waiting to be issued: a rule change from `on` applies to them
    when they are issued (rules/reach.py). One query."""
    return Invoice.objects.filter(status=InvoiceStatus.DRAFT).count()
