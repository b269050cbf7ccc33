"""Demo workspaces for `seed_demo`: the cooperative's locations (Brussels,
Liège, Ghent, Antwerp) with their desks, meeting rooms and studios, opening
hours, Belgian public holidays as closures, and bookings by the demo
members over the past three months and the next four weeks.

Bookings are the rows booking_create would write (never overlapping, inside
opening hours, at most the weekly quota per member, the rule versions in
rules_used), made in bulk: COPY on PostgreSQL, bulk_create elsewhere.
About 12,000 bookings take a second or two.
"""

import datetime
import random
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone

from members.models import Member, Status
from workspaces import services
from workspaces.models import (
    TIME_ZONE,
    Booking,
    BookingKind,
    BookingStatus,
    CalendarFeed,
    Closure,
    Location,
    OpeningHours,
    Resource,
    ResourceKind,
)

DEMO_DOMAIN = "demo.smartcoop.example"  # members.demo's; the demo member is sofie@ it
DAY = datetime.timedelta(days=1)
DAYS_BACK = 90
DAYS_AHEAD = 28
DEFAULT_BOOKINGS = 12_000
BATCH = 5000

WEEKDAYS = [(d, "08:00", "19:00") for d in range(5)]
LOCATIONS: list[dict[str, Any]] = [
    {
        "slug": "brussels",
        "name": "Brussels",
        "city": "Saint-Gilles",
        "street": "Rue Coenraets 72",
        "postal_code": "1060",
        "description": "Our largest workspace, five minutes from Brussels-South station.",
        "accessibility": "Step-free entrance on Rue Coenraets, lift to every floor, accessible "
        "toilets on the ground and first floors, hearing loop in Horta.",
        "map_url": "https://www.openstreetmap.org/search?query=Rue%20Coenraets%2072%20Saint-Gilles",
        "hours": [(d, "08:00", "20:00") for d in range(5)] + [(5, "09:00", "17:00")],
        "desks": 24,
        "rooms": [
            ("Horta", 12, "screen, video conferencing, whiteboard, hearing loop"),
            ("Magritte", 6, "screen, whiteboard"),
            ("Tintin", 4, "screen"),
            ("Atomium", 8, "screen, video conferencing"),
            ("Manneken", 2, ""),
            ("Sablon", 4, "whiteboard"),
        ],
        "studios": [
            ("Rehearsal studio", 15, "sprung floor, mirrors, sound system"),
            ("Photo studio", 6, "backdrops, flash kit"),
            ("Recording studio", 4, "sound booth, mixing desk"),
        ],
    },
    {
        "slug": "liege",
        "name": "Liège",
        "city": "Liège",
        "street": "Rue Saint-Gilles 58",
        "postal_code": "4000",
        "description": "In the city centre, ten minutes' walk from Liège-Guillemins.",
        "accessibility": "Step-free entrance, lift; the rehearsal studio is on the ground floor.",
        "map_url": "https://www.openstreetmap.org/search?query=Rue%20Saint-Gilles%2058%20Li%C3%A8ge",
        "hours": WEEKDAYS,
        "desks": 12,
        "rooms": [
            ("Meuse", 8, "screen, video conferencing"),
            ("Perron", 4, "screen"),
            ("Outremeuse", 4, "whiteboard"),
        ],
        "studios": [
            ("Rehearsal studio", 20, "stage lights, sound system, piano"),
            ("Workshop", 8, "workbenches, tools"),
        ],
    },
    {
        "slug": "ghent",
        "name": "Ghent",
        "city": "Gent",
        "street": "Kortrijksesteenweg 112",
        "postal_code": "9000",
        "description": "Bright open space near Gent-Sint-Pieters station.",
        "accessibility": "Step-free entrance and lift; quiet room on request.",
        "map_url": "https://www.openstreetmap.org/search?query=Kortrijksesteenweg%20112%20Gent",
        "hours": [*WEEKDAYS, (5, "09:00", "13:00")],
        "desks": 16,
        "rooms": [
            ("Gravensteen", 10, "screen, video conferencing, whiteboard"),
            ("Leie", 4, "screen"),
            ("Schelde", 6, "whiteboard"),
        ],
        "studios": [("Podcast studio", 3, "microphones, sound booth")],
    },
    {
        "slug": "antwerp",
        "name": "Antwerp",
        "city": "Antwerpen",
        "street": "Nationalestraat 5",
        "postal_code": "2000",
        "description": "In the fashion district, by the Groenplaats metro stop.",
        "accessibility": "Two steps at the entrance with a ramp on request; lift inside.",
        "map_url": "https://www.openstreetmap.org/search?query=Nationalestraat%205%20Antwerpen",
        "hours": WEEKDAYS,
        "desks": 12,
        "rooms": [("Meir", 8, "screen, video conferencing"), ("Zuid", 4, "screen")],
        "studios": [("Fashion studio", 6, "cutting tables, sewing machines, fitting mirror")],
    },
]


def _easter(year: int) -> datetime.date:
    """Gregorian Easter Sunday (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return datetime.date(year, month, day)


def belgian_public_holidays(year: int) -> list[tuple[datetime.date, str]]:
    easter = _easter(year)
    return [
        (datetime.date(year, 1, 1), "New Year's Day"),
        (easter + DAY, "Easter Monday"),
        (datetime.date(year, 5, 1), "Labour Day"),
        (easter + 39 * DAY, "Ascension Day"),
        (easter + 50 * DAY, "Whit Monday"),
        (datetime.date(year, 7, 21), "Belgian National Day"),
        (datetime.date(year, 8, 15), "Assumption Day"),
        (datetime.date(year, 11, 1), "All Saints' Day"),
        (datetime.date(year, 11, 11), "Armistice Day"),
        (datetime.date(year, 12, 25), "Christmas Day"),
    ]


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _create_locations(today: datetime.date) -> list[Location]:
    locations = []
    for spec in LOCATIONS:
        location, created = Location.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                k: spec[k]
                for k in (
                    "name",
                    "city",
                    "street",
                    "postal_code",
                    "description",
                    "accessibility",
                    "map_url",
                )
            },
        )
        locations.append(location)
        if not created:
            continue
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=d, opens=_time(o), closes=_time(c))
            for d, o, c in spec["hours"]
        )
        closures = [
            Closure(location=location, first_day=day, last_day=day, reason=reason)
            for year in (today.year - 1, today.year, today.year + 1)
            for day, reason in belgian_public_holidays(year)
            if today - 2 * DAYS_BACK * DAY <= day <= today + 365 * DAY and day.month != 12
        ]
        closures += [
            Closure(
                location=location,
                first_day=datetime.date(year, 12, 24),
                last_day=datetime.date(year + 1, 1, 1),
                reason="Christmas holidays",
            )
            for year in (today.year - 1, today.year)
        ]
        Closure.objects.bulk_create(closures)
        resources = [
            Resource(
                location=location,
                name=f"Desk {n}",
                kind=ResourceKind.DESK,
                capacity=1,
                equipment="screen" if n % 3 == 0 else "",
            )
            for n in range(1, spec["desks"] + 1)
        ]
        resources += [
            Resource(
                location=location,
                name=f"Meeting room {name}",
                kind=ResourceKind.MEETING_ROOM,
                capacity=capacity,
                equipment=equipment,
            )
            for name, capacity, equipment in spec["rooms"]
        ]
        resources += [
            Resource(
                location=location,
                name=name,
                kind=ResourceKind.STUDIO,
                capacity=capacity,
                equipment=equipment,
            )
            for name, capacity, equipment in spec["studios"]
        ]
        Resource.objects.bulk_create(resources)
    return locations


# Per resource kind: (booking lengths in hours, weights, how busy relative to a desk)
_LENGTHS: dict[str, tuple[list[float], list[int], float]] = {
    ResourceKind.DESK: ([4, 8, 3], [4, 5, 1], 1.0),
    ResourceKind.MEETING_ROOM: ([1, 2, 3, 1.5], [4, 4, 2, 2], 1.6),
    ResourceKind.STUDIO: ([2, 3, 4, 6], [2, 3, 3, 2], 1.2),
}


def _plan_day(
    rng: random.Random, kind: str, wanted: int, intervals: list[tuple[datetime.time, datetime.time]]
) -> list[tuple[datetime.time, datetime.time]]:
    """Up to `wanted` non-overlapping bookings on the half-hour grid, inside
    one opening interval each, in order."""
    lengths, weights, _busy = _LENGTHS[ResourceKind(kind)]
    planned: list[tuple[datetime.time, datetime.time]] = []
    for opens, closes in intervals:
        cursor = opens.hour * 60 + opens.minute
        end_of_day = closes.hour * 60 + closes.minute
        while len(planned) < wanted:
            cursor += 30 * rng.choice([0, 0, 1, 2, 4])  # some free time first
            length = int(rng.choices(lengths, weights)[0] * 60)
            if cursor + length > end_of_day:
                break
            start, end = cursor, cursor + length
            planned.append(
                (datetime.time(start // 60, start % 60), datetime.time(end // 60, end % 60))
            )
            cursor = end
    return planned


def _insert(rows: list[dict[str, Any]]) -> None:
    """Booking rows ({attname: value}; the other fields get their defaults)
    in bulk: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        Booking.objects.bulk_create([Booking(**row) for row in rows], batch_size=BATCH)
        return
    from psycopg import sql
    from psycopg.types.json import Jsonb

    meta = Booking._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: now if getattr(f, "auto_now_add", False) else f.get_default() for f in fields
    }
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table),
        sql.SQL(", ").join(sql.Identifier(str(f.column)) for f in fields),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(copy) as out:
        for row in rows:
            values = {**defaults, **row}
            values["rules_used"] = Jsonb(values["rules_used"])
            out.write_row([values[f.attname] for f in fields])


def seed_workspaces(
    *, seed: int = 2026, bookings: int = DEFAULT_BOOKINGS, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Locations, resources, opening hours and closures (once), then about
    `bookings` bookings by members with a paid share, if none exist yet."""
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now, TIME_ZONE)
    with transaction.atomic():
        locations = _create_locations(today)
        _grant_demo_staff()
        if Booking.objects.exists():
            return {"locations": len(locations), "bookings": 0}
        members = list(
            Member.objects.filter(status=Status.MEMBER).order_by("pk").values_list("pk", "user_id")
        )
        if not members:
            return {"locations": len(locations), "bookings": 0}
        resources = list(Resource.objects.filter(location__in=locations, is_active=True))
        hours: dict[tuple[int, int], list[tuple[datetime.time, datetime.time]]] = {}
        for h in OpeningHours.objects.filter(location__in=locations).order_by("opens"):
            hours.setdefault((h.location_id, h.weekday), []).append((h.opens, h.closes))
        closed = {
            (c.location_id, c.first_day + n * DAY)
            for c in Closure.objects.filter(location__in=locations)
            for n in range((c.last_day - c.first_day).days + 1)
        }
        days = [today + n * DAY for n in range(-DAYS_BACK, DAYS_AHEAD + 1)]
        open_slots = [
            (resource, day)
            for day in days
            for resource in resources
            if (resource.location_id, day.weekday()) in hours
            and (resource.location_id, day) not in closed
        ]
        weight = sum(_LENGTHS[ResourceKind(r.kind)][2] for r, _day in open_slots)
        per_unit = bookings / weight if weight else 0
        rules_by_day: dict[datetime.date, dict[str, int]] = {}
        per_week: Counter[tuple[int, datetime.date]] = Counter()
        rows: list[dict[str, Any]] = []
        cancelled = 0
        for resource, day in open_slots:
            mean = per_unit * _LENGTHS[ResourceKind(resource.kind)][2]
            wanted = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
            if not wanted:
                continue
            monday = day - day.weekday() * DAY
            for start, end in _plan_day(
                rng, resource.kind, wanted, hours[(resource.location_id, day.weekday())]
            ):
                starts_at = services.local_datetime(day, start)
                ends_at = services.local_datetime(day, end)
                member_pk, user_id = rng.choice(members)
                if per_week[(member_pk, monday)] >= 5:
                    continue  # the weekly quota (workspaces.bookings_per_week)
                booked_on = max(day - rng.randrange(1, 30) * DAY, today - 2 * DAYS_BACK * DAY)
                created_at = services.local_datetime(booked_on, datetime.time(rng.randrange(8, 22)))
                if created_at > now:
                    created_at = now
                if booked_on not in rules_by_day:
                    rules_by_day[booked_on] = services.booking_rules(booked_on).provenance()
                row: dict[str, Any] = {
                    "resource_id": resource.pk,
                    "kind": BookingKind.MEMBER,
                    "member_id": member_pk,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "created_at": created_at,
                    "created_by_id": user_id,
                    "rules_used": rules_by_day[booked_on],
                    "confirmation_sent_at": created_at,
                }
                if rng.random() < 0.07 and created_at < starts_at - DAY:
                    cancelled += 1
                    row.update(
                        status=BookingStatus.CANCELLED,
                        cancelled_by_id=user_id,
                        cancelled_at=min(created_at + DAY, now),
                        cancellation_reason="cancelled by the member",
                    )
                else:
                    per_week[(member_pk, monday)] += 1
                rows.append(row)
        for offset in range(0, len(rows), BATCH):
            _insert(rows[offset : offset + BATCH])
        feeds = _demo_member_extras()
    log(f"  {len(rows)} bookings ({cancelled} cancelled) on {len(resources)} resources")
    return {
        "locations": len(locations),
        "resources": len(resources),
        "bookings": len(rows),
        "cancelled": cancelled,
        "calendar_feeds": feeds,
    }


def _demo_member_extras() -> int:
    """The demo member (sofie@) gets a calendar feed address."""
    member = Member.objects.filter(user__email=f"sofie@{DEMO_DOMAIN}").first()
    if member is None or CalendarFeed.objects.filter(member=member).exists():
        return 0
    CalendarFeed.objects.create(member=member, token=secrets.token_urlsafe(32))
    return 1


def _grant_demo_staff() -> None:
    """The demo staff user manages workspaces in the back office."""
    staff = get_user_model().objects.filter(email=f"staff@{DEMO_DOMAIN}").first()
    if staff is not None:
        staff.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="workspaces").exclude(
                codename__startswith="delete_"
            )
        )
