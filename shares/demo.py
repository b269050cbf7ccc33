"""Demo share data for the demo members (`seed_demo`), created in bulk: paid
subscriptions with their booked payments, exits and refunds of resigned
members, subscriptions awaiting payment for applicants, and the share
register that follows from them.

The rows are the ones the services would write (share_subscribe,
share_payment_register, share_exit_decide, share_refund_record), made in a
few bulk inserts in one transaction: numbers come from ShareCounter, locked
as the services lock it; prices and provenance from the rules in force on
the subscription date. Per member, the register holds exactly the paid
subscriptions minus the exits.

Speed: 30,000 members make about 160,000 rows. Django's bulk_create spends
most of its time building and adapting model instances (about 5 s per
50,000 payments), so on PostgreSQL the rows go in with COPY instead, their
ids drawn from the tables' own sequences first, as bulk_create would get
them; other databases (SQLite for `make run`) use bulk_create.
"""

import datetime
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Exists, F, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from members import services as member_services
from members.demo import DEMO_DOMAIN
from members.models import Member, Status, StatusChange
from rules.selectors import NoVersionInForce, rules_on
from shares import services
from shares.models import (
    EntryType,
    ExitRequest,
    ExitStatus,
    Payment,
    PaymentStatus,
    RegisterEntry,
    ShareCounter,
    Subscription,
    SubscriptionStatus,
)
from smartcoop.lib.money import round_cents
from smartcoop.lib.ogm import ogm_format, ogm_from_number

BATCH = 5000
HISTORY_YEARS = 6
DEMO_REASON = "demo data"  # what members.demo writes on the status changes
BOOKKEEPER_USERNAME = "demo-bookkeeper"
DAY = datetime.timedelta(days=1)
T = TypeVar("T")


@dataclass
class _Planned:
    """One subscription to create, and what follows from it."""

    member_pk: int
    member_number: int
    holder: str
    iban: str
    category: str
    quantity: int
    subscribed_on: datetime.date
    paid_on: datetime.date | None
    first: bool  # the member's first: at least the minimum to join
    exit: dict[str, Any] = field(default_factory=dict)  # a resigned member's exit
    pk: int = 0
    reference: str = ""
    amount: Decimal = Decimal(0)
    exit_pk: int = 0


def _quantity(rng: random.Random) -> int:
    """Mostly one share, some two to five."""
    return rng.choices([1, 2, 3, 4, 5], weights=[75, 10, 7, 4, 4])[0]


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + rng.randrange((end - start).days + 1) * DAY


def _recorder() -> User:
    """Who booked the demo payments: the demo staff user, else any staff user,
    else a staff account made for the purpose (no password, so no login)."""
    user_model = get_user_model()
    user = (
        user_model.objects.filter(email=f"staff@{DEMO_DOMAIN}", is_staff=True).first()
        or user_model.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    )
    if user is None:
        user, created = user_model.objects.get_or_create(
            username=BOOKKEEPER_USERNAME,
            defaults={
                "email": f"bookkeeper@{DEMO_DOMAIN}",
                "is_staff": True,
                "first_name": "Demo",
                "last_name": "Bookkeeper",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    assert isinstance(user, User)
    return user


def _by_date(
    dates: Sequence[datetime.date], resolve: Callable[[datetime.date], tuple[dict[str, int], T]]
) -> dict[datetime.date, T]:
    """resolve(date) -> (provenance, value) for every date, calling it only
    around the dates where a rule version changes: two dates resolved to the
    same versions have the same versions on every day between them."""
    days = sorted(set(dates))
    found: dict[datetime.date, tuple[dict[str, int], T]] = {}

    def at(i: int) -> dict[str, int]:
        if days[i] not in found:
            found[days[i]] = resolve(days[i])
        return found[days[i]][0]

    spans = [(0, len(days) - 1)] if days else []
    while spans:
        lo, hi = spans.pop()
        if at(lo) == at(hi):
            for day in days[lo + 1 : hi]:
                found[day] = found[days[lo]]
        elif hi - lo > 1:
            middle = (lo + hi) // 2
            spans += [(lo, middle), (middle, hi)]
    return {day: value for day, (_provenance, value) in found.items()}


def _subscription_rules(
    on: datetime.date, consents: dict[str, int]
) -> tuple[dict[str, int], tuple[Decimal, int, dict[str, int]]]:
    """(price of one share, minimum to join, rules_used) as share_subscribe has them."""
    rules = rules_on([services.NOMINAL_VALUE, services.MINIMUM_TO_JOIN], on=on)
    provenance = rules.provenance()
    return provenance, (
        rules.value(services.NOMINAL_VALUE).amount,
        int(rules.value(services.MINIMUM_TO_JOIN)),
        {**provenance, **consents},
    )


def _exit_rules(on: datetime.date) -> tuple[dict[str, int], tuple[Any, dict[str, int]]]:
    """(refund term, rules_used) as share_exit_request has them."""
    rules = rules_on([services.EXIT_WINDOW, services.REFUND_TERM], on=on)
    return rules.provenance(), (rules.value(services.REFUND_TERM), rules.provenance())


def _first_priced_day(today: datetime.date) -> datetime.date:
    """HISTORY_YEARS back, or the start of today's nominal value if there was
    none that early (on a catalogue that starts later)."""
    earliest = today - datetime.timedelta(days=365 * HISTORY_YEARS + HISTORY_YEARS // 4)
    keys = [services.NOMINAL_VALUE, services.MINIMUM_TO_JOIN]
    try:
        rules_on(keys, on=earliest)
    except NoVersionInForce:
        earliest = max(resolved.valid_from for resolved in rules_on(keys, on=today).values())
    return earliest


def _exit_windows(
    earliest: datetime.date, today: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """(window start, date the exit takes effect) of every exit window that
    closed by today, since the start of the demo history."""
    windows = []
    for year in range(earliest.year, today.year + 1):
        _allowed, start, _end, effective_on = services.exit_dates(datetime.date(year, 1, 1))
        if effective_on <= today and effective_on > earliest + 60 * DAY:
            windows.append((start, effective_on))
    return windows


def seed_shares(*, seed: int = 2026, log: Callable[[str], None] = print) -> dict[str, int]:
    """Give every demo member without shares yet a share history matching
    their status; returns how many rows of each kind were created."""
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        # Locked first, as the services lock it: nobody numbers in between.
        counter, _created = ShareCounter.objects.select_for_update().get_or_create(pk=1)
        staff = _recorder()
        members = list(
            Member.objects.filter(
                user__email__endswith=f"@{DEMO_DOMAIN}",
                status__in=[Status.MEMBER, Status.RESIGNED, Status.APPLICANT],
            )
            .filter(~Exists(Subscription.objects.filter(member=OuterRef("pk"))))
            .filter(~Exists(RegisterEntry.objects.filter(member=OuterRef("pk"))))
            .order_by("member_number")
            .values_list("pk", "member_number", "legal_name", "iban", "category", "status")
        )
        earliest = _first_priced_day(today)
        planned = _plan(rng, members, today, earliest, _exit_windows(earliest, today))
        log(f"  {len(planned)} subscriptions planned for {len(members)} members")

        _create_subscriptions(planned, counter)
        payments = _create_payments(planned, staff)
        exits = _create_exits(rng, planned, staff)
        entries = _create_entries(planned, counter, staff)
        counter.save(update_fields=["last_reference", "last_entry"])
        dated = _date_status_changes()

    paid = sum(1 for p in planned if p.paid_on is not None)
    return {
        "members": len(members),
        "subscriptions": len(planned),
        "paid": paid,
        "awaiting_payment": len(planned) - paid,
        "payments": payments,
        "exits": exits,
        "refunds": sum(1 for p in planned if p.exit.get("refunded_on")),
        "register_entries": entries,
        "status_changes_dated": dated,
    }


def _plan(
    rng: random.Random,
    members: list[tuple[int, int, str, str, str, str]],
    today: datetime.date,
    earliest: datetime.date,
    windows: list[tuple[datetime.date, datetime.date]],
) -> list[_Planned]:
    planned: list[_Planned] = []
    for pk, number, name, iban, category, status in members:
        dates: list[tuple[datetime.date, datetime.date | None]] = []  # (subscribed, paid)
        exit_plan: dict[str, Any] = {}
        if status == Status.MEMBER:
            # A first subscription, sometimes more later; paid within three weeks.
            first_on = _between(rng, earliest, today - 14 * DAY)
            later = [
                _between(rng, first_on, today - DAY)
                for _ in range(rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0])
            ]
            for subscribed_on in [first_on, *sorted(later)]:
                dates.append((subscribed_on, min(subscribed_on + rng.randrange(22) * DAY, today)))
        elif status == Status.RESIGNED and windows:
            # Paid, then left with every share in an exit window that has closed.
            window_start, effective_on = rng.choice(windows)
            subscribed_on = _between(rng, earliest, effective_on - 40 * DAY)
            paid_on = subscribed_on + rng.randrange(1, 15) * DAY
            dates.append((subscribed_on, paid_on))
            requested_on = _between(rng, max(window_start, paid_on + DAY), effective_on)
            refund_on = effective_on + rng.randrange(7, 120) * DAY
            # A quarter (and any whose refund date is still ahead) wait for the refund.
            refunded = refund_on <= today and rng.random() >= 0.25
            exit_plan = {
                "requested_on": requested_on,
                "effective_on": effective_on,
                "decided_on": min(requested_on + rng.randrange(1, 21) * DAY, effective_on),
                "refunded_on": refund_on if refunded else None,
            }
        elif status == Status.APPLICANT:
            # Subscribed lately; the payment has not arrived yet.
            dates.append((_between(rng, today - 60 * DAY, today), None))
        for i, (on, paid) in enumerate(dates):
            planned.append(
                _Planned(
                    pk,
                    number,
                    name,
                    iban,
                    category,
                    _quantity(rng),
                    on,
                    paid,
                    i == 0,
                    exit=exit_plan,
                )
            )
    # References and ids are handed out in subscription order, as they would have been.
    planned.sort(key=lambda p: (p.subscribed_on, p.member_number))
    return planned


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows ({attname: value}; other fields get their defaults, and
    auto_now(_add) fields now) in bulk; returns their primary keys in order."""
    if connection.vendor != "postgresql":
        objects = model._default_manager.bulk_create(
            [model(**row) for row in rows], batch_size=BATCH
        )
        return [int(obj.pk) for obj in objects]
    from psycopg import sql
    from psycopg.types.json import Jsonb

    meta = model._meta
    pk = meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        now = timezone.now()
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        defaults = {
            f.attname: now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in fields
        }
        json = {f.attname for f in fields if isinstance(f, models.JSONField)}
        columns = [str(pk.column), *(str(f.column) for f in fields)]
        copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with cursor.cursor.copy(copy) as out:
            for pk_value, row in zip(ids, rows, strict=True):
                values = {**defaults, **row}
                for name in json:
                    values[name] = Jsonb(values[name])
                out.write_row([pk_value, *(values[f.attname] for f in fields)])
    return ids


def _create_subscriptions(planned: list[_Planned], counter: ShareCounter) -> None:
    consents = rules_on(
        [member_services.CONSENT_VERSIONS_RULE], on=timezone.localdate()
    ).provenance()  # the demo members accepted today's versions (members.demo)
    rules = _by_date(
        [p.subscribed_on for p in planned], lambda on: _subscription_rules(on, consents)
    )
    rows = []
    for p in planned:
        unit_price, minimum, rules_used = rules[p.subscribed_on]
        if p.first:
            p.quantity = max(p.quantity, minimum)
        counter.last_reference += 1
        p.reference = ogm_from_number(1_000_000_000 + counter.last_reference)
        p.amount = round_cents(unit_price * p.quantity)
        rows.append(
            {
                "member_id": p.member_pk,
                "quantity": p.quantity,
                "category": p.category,
                "unit_price": unit_price,
                "amount": p.amount,
                "structured_reference": p.reference,
                "status": SubscriptionStatus.PAID
                if p.paid_on
                else SubscriptionStatus.AWAITING_PAYMENT,
                "subscribed_on": p.subscribed_on,
                "paid_on": p.paid_on,
                "rules_used": rules_used,
            }
        )
    for p, pk in zip(planned, _insert(Subscription, rows), strict=True):
        p.pk = pk


def _create_payments(planned: list[_Planned], staff: User) -> int:
    """One booked payment per paid subscription, as the bank reported it."""
    rows = [
        {
            "subscription_id": p.pk,
            "amount": p.amount,
            "value_date": p.paid_on,
            "communication": ogm_format(p.reference),
            "structured_reference": p.reference,
            "counterparty_name": p.holder,
            "counterparty_iban": p.iban,
            "transaction_id": f"demo-{p.pk}",
            "status": PaymentStatus.BOOKED,
            "recorded_by_id": staff.pk,
        }
        for p in planned
        if p.paid_on is not None
    ]
    return len(_insert(Payment, rows))


def _create_exits(rng: random.Random, planned: list[_Planned], staff: User) -> int:
    """A resigned member's exit with all their shares: approved, most refunded."""
    leaving = [p for p in planned if p.exit]
    rules = _by_date([p.exit["requested_on"] for p in leaving], _exit_rules)
    tz = timezone.get_current_timezone()
    rows = []
    for p in leaving:
        term, rules_used = rules[p.exit["requested_on"]]
        refunded_on = p.exit["refunded_on"]
        decided_at = datetime.datetime.combine(
            p.exit["decided_on"], datetime.time(9 + rng.randrange(8), rng.randrange(60)), tz
        )
        rows.append(
            {
                "member_id": p.member_pk,
                "quantity": p.quantity,
                "requested_on": p.exit["requested_on"],
                "effective_on": p.exit["effective_on"],
                "refund_due_by": term.add_to(p.exit["effective_on"]),
                "status": ExitStatus.REFUNDED if refunded_on else ExitStatus.APPROVED,
                "decided_by_id": staff.pk,
                "decided_at": decided_at,
                "refunded_amount": p.amount if refunded_on else None,
                "refunded_on": refunded_on,
                "rules_used": rules_used,
            }
        )
    for p, pk in zip(leaving, _insert(ExitRequest, rows), strict=True):
        p.exit_pk = pk
    return len(rows)


def _create_entries(planned: list[_Planned], counter: ShareCounter, staff: User) -> int:
    """The register, numbered in date order as the entries would have been made:
    a subscription entry per payment, an exit entry (shares out) per exit, a
    refund entry (no shares, the nominal value paid back) per refund."""
    rows: list[tuple[datetime.date, int, int, dict[str, Any]]] = []
    for p in planned:
        if p.paid_on is None:
            continue
        common = {"member_id": p.member_pk, "category": p.category, "recorded_by_id": staff.pk}
        rows.append(
            (
                p.paid_on,
                0,
                p.member_number,
                {
                    **common,
                    "entry_type": EntryType.SUBSCRIPTION_PAID,
                    "effective_on": p.paid_on,
                    "quantity": p.quantity,
                    "amount": p.amount,
                    "subscription_id": p.pk,
                    "note": p.reference,
                },
            )
        )
        if not p.exit:
            continue
        effective_on, refunded_on = p.exit["effective_on"], p.exit["refunded_on"]
        rows.append(
            (
                effective_on,
                1,
                p.member_number,
                {
                    **common,
                    "entry_type": EntryType.EXIT,
                    "effective_on": effective_on,
                    "quantity": -p.quantity,
                    "exit_request_id": p.exit_pk,
                },
            )
        )
        if refunded_on:
            rows.append(
                (
                    refunded_on,
                    2,
                    p.member_number,
                    {
                        **common,
                        "entry_type": EntryType.REFUND,
                        "effective_on": refunded_on,
                        "quantity": 0,
                        "amount": -p.amount,
                        "exit_request_id": p.exit_pk,
                    },
                )
            )
    rows.sort(key=lambda row: row[:3])
    for *_key, row in rows:
        counter.last_entry += 1
        row["number"] = counter.last_entry
    return len(_insert(RegisterEntry, [row for *_key, row in rows]))


def _date_status_changes() -> int:
    """The demo members' status changes take effect when the first share was
    paid (members) or when the exit took effect (resigned), as the services
    date them: two UPDATEs reading the register."""
    demo = StatusChange.objects.filter(
        reason=DEMO_REASON,
        from_status=Status.APPLICANT,
        member__user__email__endswith=f"@{DEMO_DOMAIN}",
    )
    entries = RegisterEntry.objects.filter(member=OuterRef("member_id")).values("member")
    first_paid = entries.filter(entry_type=EntryType.SUBSCRIPTION_PAID).annotate(
        on=Min("effective_on")
    )
    last_exit = entries.filter(entry_type=EntryType.EXIT).annotate(on=Max("effective_on"))
    dated = demo.filter(to_status=Status.MEMBER).update(
        effective_on=Coalesce(Subquery(first_paid.values("on")[:1]), F("effective_on"))
    )
    dated += demo.filter(to_status=Status.RESIGNED).update(
        effective_on=Coalesce(Subquery(last_exit.values("on")[:1]), F("effective_on"))
    )
    return dated
