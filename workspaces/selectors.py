"""Reads of workspaces for the member pages, the admin, the feed and the
services: each with the joins it needs, so that no caller runs a query per
row. The availability grid of a location costs five queries whatever the
number of resources, days and bookings (location, resources, opening hours,
closures, bookings)."""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
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

DAY = datetime.timedelta(days=1)
# How far back the calendar feed reaches (calendar apps keep what they had).
FEED_PAST_DAYS = 90


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=TIME_ZONE)


def _slot_start(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, at, tzinfo=TIME_ZONE)


# --- Locations ------------------------------------------------------------------------------


def location_list(*, city: str = "") -> QuerySet[Location]:
    """Active locations with their opening hours and counts of bookable resources."""
    locations = Location.objects.filter(is_active=True)
    if city:
        locations = locations.filter(city__iexact=city)
    bookable = Q(resources__is_active=True)
    return (
        locations.order_by("city", "name")
        .annotate(
            desks=Count("resources", filter=bookable & Q(resources__kind=ResourceKind.DESK)),
            rooms=Count(
                "resources", filter=bookable & Q(resources__kind=ResourceKind.MEETING_ROOM)
            ),
            studios=Count("resources", filter=bookable & Q(resources__kind=ResourceKind.STUDIO)),
        )
        .prefetch_related("opening_hours")
    )


def location_cities() -> list[str]:
    return list(
        Location.objects.filter(is_active=True).order_by("city").values_list("city", flat=True)
    )


def location_get(*, slug: str) -> Location:
    return get_object_or_404(
        Location.objects.prefetch_related("opening_hours"), slug=slug, is_active=True
    )


def upcoming_closures(*, location: Location, today: datetime.date, limit: int = 5) -> list[Closure]:
    return list(location.closures.filter(last_day__gte=today).order_by("first_day")[:limit])


def closure_on(*, location: Location, day: datetime.date) -> Closure | None:
    return location.closures.filter(first_day__lte=day, last_day__gte=day).first()


def opening_intervals(
    *, location: Location, day: datetime.date
) -> list[tuple[datetime.time, datetime.time]]:
    return list(
        OpeningHours.objects.filter(location=location, weekday=day.weekday())
        .order_by("opens")
        .values_list("opens", "closes")
    )


def resources_for_booking() -> QuerySet[Resource]:
    return Resource.objects.filter(is_active=True, location__is_active=True).select_related(
        "location"
    )


# --- Bookings ---------------------------------------------------------------------------------


def overlapping(
    *, resource: Resource, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> QuerySet[Booking]:
    """Active bookings and blocks of the resource that overlap [starts_at, ends_at)."""
    return Booking.objects.filter(
        resource=resource,
        status=BookingStatus.ACTIVE,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).order_by("starts_at")


def bookings_in_week(*, member: Member, day: datetime.date) -> tuple[datetime.date, int]:
    """The Monday of `day`'s week (Brussels) and the member's active
    bookings that start in that week."""
    monday = day - day.weekday() * DAY
    count = Booking.objects.filter(
        member=member,
        kind=BookingKind.MEMBER,
        status=BookingStatus.ACTIVE,
        starts_at__gte=_local_midnight(monday),
        starts_at__lt=_local_midnight(monday + 7 * DAY),
    ).count()
    return monday, count


def member_bookings(*, member: Member, upcoming: bool) -> QuerySet[Booking]:
    """Upcoming (not yet ended, soonest first) or past (latest first)."""
    now = timezone.now()
    bookings = Booking.objects.filter(member=member, kind=BookingKind.MEMBER).select_related(
        "resource__location"
    )
    if upcoming:
        return bookings.filter(ends_at__gt=now).order_by("starts_at", "pk")
    return bookings.filter(ends_at__lte=now).order_by("-starts_at", "-pk")


def next_booking(*, member: Member) -> Booking | None:
    return member_bookings(member=member, upcoming=True).filter(status=BookingStatus.ACTIVE).first()


def booking_get_owned(*, member: Member, pk: int) -> Booking:
    """The member's own booking, else 404 (never 403: ids do not leak)."""
    return get_object_or_404(
        Booking.objects.select_related("resource__location"),
        pk=pk,
        member=member,
        kind=BookingKind.MEMBER,
    )


def calendar_feed_live(*, member: Member) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(member=member, revoked_at__isnull=True).first()


def calendar_feed_bookings(*, token: str) -> tuple[Member, list[Booking]]:
    """The member behind a live feed token and the bookings it shows
    (from FEED_PAST_DAYS ago on, cancelled ones too, so that calendar apps
    remove them); 404 for an unknown or revoked token."""
    feed = get_object_or_404(
        CalendarFeed.objects.select_related("member"), token=token, revoked_at__isnull=True
    )
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    bookings = list(
        Booking.objects.filter(member=feed.member, kind=BookingKind.MEMBER, ends_at__gte=since)
        .select_related("resource__location")
        .order_by("starts_at", "pk")
    )
    return feed.member, bookings


def location_day_bookings(*, location: Location, day: datetime.date) -> list[Booking]:
    """Every booking and block of a location that touches a day, for staff."""
    return list(
        Booking.objects.filter(
            resource__location=location,
            starts_at__lt=_local_midnight(day + DAY),
            ends_at__gt=_local_midnight(day),
        )
        .select_related("resource", "member", "cancelled_by")
        .order_by("resource__kind", "resource__name", "starts_at", "pk")
    )


# --- The availability grid --------------------------------------------------------------------

STATE_LABELS = {
    "free": _("Free"),
    "taken": _("Taken"),
    "yours": _("Yours"),
    "maintenance": _("Maintenance"),
    "closed": _("Closed"),
    "past": _("Past"),
    "later": _("Not yet bookable"),
}


class Segment(NamedTuple):
    """Consecutive slots of one resource on one day in the same state (a
    tuple: a week of 50 resources makes thousands of them per request)."""

    state: str
    start: datetime.time
    end: datetime.time
    slots: int

    @property
    def label(self) -> Any:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class GridDay:
    day: datetime.date
    slots: list[datetime.time]  # the start of each column
    hours: list[tuple[datetime.time, datetime.time]]
    closure: Closure | None

    @property
    def is_open(self) -> bool:
        return bool(self.hours) and self.closure is None


@dataclass
class GridRow:
    resource: Resource
    # Per day: segments for the day view (free slots one by one) ...
    cells: list[list[Segment]] = field(default_factory=list)
    # ... and merged for the week view, with the free time in minutes.
    bars: list[list[Segment]] = field(default_factory=list)
    free_minutes: list[int] = field(default_factory=list)

    days: list["GridDay"] = field(default_factory=list)

    @property
    def week(self) -> list[tuple["GridDay", list[Segment], float]]:
        """(day, merged segments, free hours) per day, for the week view."""
        return [
            (day, bar, minutes / 60)
            for day, bar, minutes in zip(self.days, self.bars, self.free_minutes, strict=True)
        ]


@dataclass
class Grid:
    location: Location
    days: list[GridDay]
    rows: list[GridRow]


def _day_slots(
    day: datetime.date, hours: list[tuple[datetime.time, datetime.time]], step: int
) -> list[datetime.time]:
    if not hours:
        return []
    first = min(opens for opens, _closes in hours)
    last = max(closes for _opens, closes in hours)
    minute = (first.hour * 60 + first.minute) // step * step
    end = last.hour * 60 + last.minute
    slots = []
    while minute < end:
        slots.append(datetime.time(minute // 60, minute % 60))
        minute += step
    return slots


def _merge(
    states: list[str], slots: list[datetime.time], ends: list[datetime.time], split_free: bool
) -> list[Segment]:
    """Runs of equal states as segments (free slots one by one if split_free)."""
    segments: list[Segment] = []
    count = len(states)
    i = 0
    while i < count:
        state = states[i]
        j = i + 1
        if not (split_free and state == "free"):
            while j < count and states[j] == state:
                j += 1
        segments.append(Segment(state, slots[i], ends[j - 1], j - i))
        i = j
    return segments


def availability(
    *,
    location: Location,
    first_day: datetime.date,
    days: int,
    member: Member | None,
    kind: str = "",
    min_capacity: int = 0,
    now: datetime.datetime,
    horizon_end: datetime.datetime | None = None,
    week: bool = False,
) -> Grid:
    """Resources × time slots of `days` days from `first_day`, each slot free,
    taken, the member's own, blocked for maintenance, closed (outside opening
    hours or on a closure), past, or beyond the booking horizon. Rows carry
    the day view's cells (free slots one by one), or with `week` the week
    view's bars (merged segments) and free minutes per day; past as of `now`."""
    resources = Resource.objects.filter(location=location, is_active=True)
    if kind:
        resources = resources.filter(kind=kind)
    if min_capacity:
        resources = resources.filter(capacity__gte=min_capacity)
    resource_list = list(resources.order_by("kind", "name"))

    hours_by_weekday: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    # location.opening_hours is prefetched by location_get (else one query).
    for interval in sorted(location.opening_hours.all(), key=lambda h: (h.weekday, h.opens)):
        hours_by_weekday[interval.weekday].append((interval.opens, interval.closes))
    last_day = first_day + (days - 1) * DAY
    closures = list(
        Closure.objects.filter(location=location, first_day__lte=last_day, last_day__gte=first_day)
    )
    grid_days = []
    for offset in range(days):
        day = first_day + offset * DAY
        hours = hours_by_weekday.get(day.weekday(), [])
        closure = next((c for c in closures if c.covers(day)), None)
        grid_days.append(
            GridDay(day, _day_slots(day, hours, location.slot_minutes), hours, closure)
        )

    bookings: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    # One query for all resources: the resource filter is a subquery, not a list of ids.
    for resource_id, starts_at, ends_at, booking_kind, member_id in (
        Booking.objects.filter(
            resource__in=resources,
            status=BookingStatus.ACTIVE,
            starts_at__lt=_local_midnight(last_day + DAY),
            ends_at__gt=_local_midnight(first_day),
        )
        .order_by("starts_at")
        .values_list("resource_id", "starts_at", "ends_at", "kind", "member_id")
    ):
        if booking_kind == BookingKind.MAINTENANCE:
            state = "maintenance"
        elif member is not None and member_id == member.pk:
            state = "yours"
        else:
            state = "taken"
        # As seconds since the epoch: comparing aware datetimes of two time
        # zones costs a utcoffset() each time, and the grid makes thousands.
        bookings[resource_id].append((starts_at.timestamp(), ends_at.timestamp(), state))

    step = datetime.timedelta(minutes=location.slot_minutes)
    # Per day, computed once for every resource: each slot's instants, its
    # end as a wall-clock time, and whether it is closed, past or beyond the
    # horizon ("" when only the bookings decide).
    frames = []
    for grid_day in grid_days:
        instants = [_slot_start(grid_day.day, t) for t in grid_day.slots]
        end_times = [
            (datetime.datetime.combine(grid_day.day, t) + step).time() for t in grid_day.slots
        ]
        base = []
        for t, t_end, s in zip(grid_day.slots, end_times, instants, strict=True):
            is_open = grid_day.closure is None and any(
                o <= t and (t_end <= c or t_end == datetime.time(0)) for o, c in grid_day.hours
            )
            if not is_open:
                base.append("closed")
            elif s < now:
                base.append("past")
            elif horizon_end is not None and s >= horizon_end:
                base.append("later")
            else:
                base.append("")
        stamps = [moment.timestamp() for moment in instants]
        frames.append((stamps, [t + step.total_seconds() for t in stamps], end_times, base))

    # The states of a day before bookings, and each slot's start as a number.
    fresh = [[fixed or "free" for fixed in base] for _s, _e, _t, base in frames]
    rows = []
    for resource in resource_list:
        row = GridRow(resource, days=grid_days)
        held = bookings.get(resource.pk, [])
        for grid_day, (starts, ends, end_times, base), initial in zip(
            grid_days, frames, fresh, strict=True
        ):
            states = initial.copy()
            if starts:
                day_start, day_end = starts[0], ends[-1]
                for b_start, b_end, b_state in held:
                    if b_end <= day_start or b_start >= day_end:
                        continue
                    # The slots that start before the booking ends and end after it starts.
                    first = max(bisect.bisect_right(starts, b_start) - 1, 0)
                    last = bisect.bisect_left(starts, b_end)
                    for k in range(first, last):
                        if base[k] != "closed" and ends[k] > b_start:
                            states[k] = b_state
            if week:
                row.bars.append(_merge(states, grid_day.slots, end_times, split_free=False))
                row.free_minutes.append(states.count("free") * location.slot_minutes)
            else:
                row.cells.append(_merge(states, grid_day.slots, end_times, split_free=True))
        rows.append(row)
    return Grid(location=location, days=grid_days, rows=rows)


def bookings_from_count(on: datetime.date) -> int:
    """Bookings held from `on` onwards, which a change of the booking rules
    from that day concerns (rules/reach.py). One query."""
    start = datetime.datetime.combine(on, datetime.time.min, tzinfo=TIME_ZONE)
    return Booking.objects.filter(status=BookingStatus.ACTIVE, starts_at__gte=start).count()
