"""Reads of shares for the member pages, the admin and other apps."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum

from members.models import Member
from rules.selectors import rules_on
from shares.models import (
    EntryType,
    ExitRequest,
    ExitStatus,
    RegisterEntry,
    Subscription,
    SubscriptionStatus,
)

PER_YEAR = "shares.per_year_of_use"


def register_entries(*, member: Member, as_of: datetime.date | None = None) -> list[RegisterEntry]:
    entries = RegisterEntry.objects.filter(member=member)
    if as_of is not None:
        entries = entries.filter(effective_on__lte=as_of)
    return list(entries.select_related("subscription").order_by("effective_on", "number"))


@dataclass(frozen=True)
class Holding:
    shares: int
    paid: Decimal
    since: datetime.date | None
    years_covered: int
    per_year: int


# Money paid in and refunded, net of the reversals that corrected them.
PAID = Q(entry_type=EntryType.SUBSCRIPTION_PAID) | Q(
    entry_type=EntryType.REVERSAL, reverses__entry_type=EntryType.SUBSCRIPTION_PAID
)
REFUNDED = Q(entry_type=EntryType.REFUND) | Q(
    entry_type=EntryType.REVERSAL, reverses__entry_type=EntryType.REFUND
)


def member_holding(*, member: Member, as_of: datetime.date) -> Holding:
    totals = RegisterEntry.objects.filter(member=member, effective_on__lte=as_of).aggregate(
        shares=Sum("quantity"),
        paid=Sum("amount", filter=PAID),
        since=Min(
            "effective_on",
            filter=Q(entry_type=EntryType.SUBSCRIPTION_PAID, reversed_by__isnull=True),
        ),
    )
    shares = int(totals["shares"] or 0)
    per_year = int(rules_on([PER_YEAR], on=as_of).value(PER_YEAR))
    return Holding(
        shares=shares,
        paid=totals["paid"] or Decimal("0.00"),
        since=totals["since"] if shares else None,
        years_covered=shares // per_year if per_year else 0,
        per_year=per_year,
    )


def member_subscriptions(*, member: Member) -> QuerySet[Subscription]:
    return Subscription.objects.filter(member=member).order_by("-created_at")


def member_exit_requests(*, member: Member) -> QuerySet[ExitRequest]:
    return ExitRequest.objects.filter(member=member).order_by("-requested_on", "-pk")


@dataclass(frozen=True)
class RegisterRow:
    member_number: int
    legal_name: str
    address: str
    enterprise_number: str
    category: str
    shares: int
    paid: Decimal
    refunded: Decimal
    entries: int
    first_entry: datetime.date | None


def register_queryset(
    *, as_of: datetime.date, numbers: tuple[int, int] | None = None
) -> QuerySet[Any]:
    """The grouped query behind the register: one tuple per holder who ever
    held shares, by member number. Pages and exports slice or stream it."""
    scope = RegisterEntry.objects.filter(effective_on__lte=as_of)
    if numbers is not None:
        scope = scope.filter(member__member_number__range=numbers)
    return (
        scope.values("member")
        .annotate(
            shares=Sum("quantity"),
            paid=Sum("amount", filter=PAID),
            refunded=Sum("amount", filter=REFUNDED),
            entries=Count("pk"),
            first_entry=Min("effective_on"),
        )
        .values_list(
            "member__member_number",
            "member__legal_name",
            "member__street",
            "member__postal_code",
            "member__city",
            "member__country",
            "member__enterprise_number",
            "member__category",
            "shares",
            "paid",
            "refunded",
            "entries",
            "first_entry",
        )
        .order_by("member__member_number")
    )


def register_row(values: tuple[Any, ...]) -> RegisterRow:
    (
        number,
        name,
        street,
        postal,
        city,
        country,
        enterprise,
        category,
        shares,
        paid,
        refunded,
        entries,
        first,
    ) = values
    return RegisterRow(
        member_number=number,
        legal_name=name,
        address=", ".join(p for p in [street, f"{postal} {city}".strip(), country] if p),
        enterprise_number=enterprise,
        category=category,
        shares=int(shares or 0),
        paid=paid or Decimal("0.00"),
        refunded=-(refunded or Decimal("0.00")),
        entries=entries,
        first_entry=first,
    )


def register_rows(
    *, as_of: datetime.date, numbers: tuple[int, int] | None = None
) -> Iterator[RegisterRow]:
    """The register as of a date (optionally a range of member numbers),
    streamed from one grouped query: fast at 30,000 holders."""
    for values in register_queryset(as_of=as_of, numbers=numbers).iterator(chunk_size=5000):
        yield register_row(values)


def register_member_numbers(*, as_of: datetime.date) -> list[int]:
    """The member numbers in the register, in order (to cut it into ranges)."""
    return list(
        RegisterEntry.objects.filter(effective_on__lte=as_of)
        .order_by("member__member_number")
        .values_list("member__member_number", flat=True)
        .distinct()
    )


def register_totals(*, as_of: datetime.date) -> dict[str, int]:
    """Shares in the register and the holders who hold some on that date
    (former holders stay in the register's rows, not in this count)."""
    per_member = (
        RegisterEntry.objects.filter(effective_on__lte=as_of)
        .values("member")
        .annotate(held=Sum("quantity"))
        .filter(held__gt=0)
    )
    totals = per_member.aggregate(shares=Sum("held"), holders=Count("member"))
    return {"shares": int(totals["shares"] or 0), "holders": int(totals["holders"] or 0)}


def holdings_on(*, as_of: datetime.date) -> QuerySet[Any]:
    """Shares held per member on a date, as values (member, held); members
    who never held any are absent."""
    return (
        RegisterEntry.objects.filter(effective_on__lte=as_of)
        .values("member")
        .annotate(held=Sum("quantity"))
        .order_by()
    )


def shares_per_year_of_use(*, on: datetime.date) -> int:
    return int(rules_on([PER_YEAR], on=on).value(PER_YEAR))


def exits_refund_due(*, until: datetime.date) -> QuerySet[ExitRequest]:
    """Exits approved or still requested whose refund is due by `until` (or
    overdue already) and not yet refunded."""
    return (
        ExitRequest.objects.filter(
            status__in=[ExitStatus.REQUESTED, ExitStatus.APPROVED], refund_due_by__lte=until
        )
        .select_related("member")
        .order_by("refund_due_by", "pk")
    )


def subscriptions_awaiting_count(on: datetime.date) -> int:
    """Subscriptions not yet paid, whom a change of the share rules from `on`
    reaches when they are paid (rules/reach.py). One query."""
    return Subscription.objects.filter(status=SubscriptionStatus.AWAITING_PAYMENT).count()
