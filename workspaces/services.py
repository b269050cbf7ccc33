"""Writes to workspaces: booking a resource, cancelling (by the member or by
staff on their behalf), maintenance blocks, and the personal calendar feed.

The rules a booking must hold (domain.md, Workspaces; rule keys in
rules/catalogue.py):

- only members with a paid share, of the categories the eligibility rule
  names, may book (`workspaces.booking_eligibility`); a member's share is
  paid exactly when their membership status is "member" (members.models);
- a booking is a half-open range [start, end) of one resource, on the
  location's slot grid, inside one opening interval of one day, not on a
  closure, not in the past, not beyond the booking horizon
  (`workspaces.booking_horizon`), not longer than the longest booking
  (`workspaces.booking_max_length`), and not over the member's weekly quota
  (`workspaces.bookings_per_week`, weeks Monday to Sunday in Brussels);
- no two active bookings of one resource overlap, maintenance blocks
  included: the database constraint is the guarantee (migration 0002); the
  checks here only give a friendly message, and the constraint's error when
  two members click at once is turned into the same message;
- a member may cancel an upcoming booking until the cancellation deadline
  (`workspaces.cancellation_deadline`) before it starts.

Times are built from the location's local date and wall-clock time in
Europe/Brussels, so a booking keeps its wall-clock time across a daylight
saving change. Each booking records the rule versions it used.
"""

import datetime
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.models import Member, Status
from rules.selectors import RuleSet, rules_on
from rules.values import Duration
from smartcoop.lib.audit import audited
from smartcoop.lib.tasks import enqueue_on_commit
from workspaces import selectors
from workspaces.models import (
    NO_OVERLAP_CONSTRAINT,
    TIME_ZONE,
    Booking,
    BookingKind,
    BookingStatus,
    CalendarFeed,
    Resource,
    Weekday,
)

HORIZON = "workspaces.booking_horizon"
MAX_LENGTH = "workspaces.booking_max_length"
PER_WEEK = "workspaces.bookings_per_week"
CANCELLATION_DEADLINE = "workspaces.cancellation_deadline"
ELIGIBILITY = "workspaces.booking_eligibility"
BOOKING_RULES = (HORIZON, MAX_LENGTH, PER_WEEK, CANCELLATION_DEADLINE, ELIGIBILITY)

NOT_A_PAID_MEMBER = _(
    "Only members whose share is paid can book a workspace. Your membership starts when your "
    "first share is paid."
)
CATEGORY_NOT_ALLOWED = _("Members of category %(category)s cannot book workspaces.")
RESOURCE_UNAVAILABLE = _("This resource cannot be booked at the moment; choose another one.")
ENDS_BEFORE_START = _("The end (%(end)s) is before the start (%(start)s): choose a later end.")
ZERO_LENGTH = _("The booking has no length: choose an end after the start.")
OFF_GRID = _(
    "Bookings here start and end on the %(minutes)s-minute grid, such as 10:00 or %(example)s."
)
IN_THE_PAST = _("This time has already passed: choose a time from now on.")
BEYOND_HORIZON = _("Bookings open %(horizon)s ahead: choose a day until %(last)s.")
TOO_LONG = _("A booking lasts at most %(length)s: choose an earlier end or book twice.")
CLOSED_ON_DAY = _("%(location)s is closed on %(date)s: %(reason)s.")
CLOSED_ON_WEEKDAY = _("%(location)s is closed on %(weekday)s: choose another day.")
OUTSIDE_OPENING_HOURS = _(
    "%(location)s is open %(hours)s that day: choose a time within the opening hours."
)
OVER_WEEKLY_QUOTA = _(
    "You already have %(count)s booking(s) in the week of %(monday)s, the most allowed per "
    "week. Cancel one or choose another week."
)
SLOT_TAKEN = _(
    "Sorry, %(resource)s is already booked at that time, perhaps just now by someone else. "
    "Choose another time or another resource."
)
UNDER_MAINTENANCE = _("%(resource)s is closed for maintenance at that time.")
ALREADY_CANCELLED = _("This booking is already cancelled.")
ALREADY_STARTED = _("This booking has already started; it can no longer be cancelled.")
PAST_CANCELLATION_DEADLINE = _(
    "Bookings can be cancelled up to %(deadline)s before they start; it is too late to cancel "
    "this one (the deadline was %(limit)s)."
)
REASON_REQUIRED = _("Say why the booking is cancelled: the member receives it by email.")
NOT_A_MAINTENANCE_BLOCK = _("This is a member's booking, not a maintenance block.")
BLOCK_OVER_BOOKINGS = _(
    "Members have booked %(resource)s in that time (%(bookings)s): cancel their bookings on "
    "their behalf first, so they are told."
)
BLOCK_OVERLAPS = _("%(resource)s is already blocked or booked in that time.")


# --- Helpers ---------------------------------------------------------------------------


def local_datetime(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """The aware instant of a Brussels wall-clock time on a day. Built with
    zoneinfo, so 10:00 stays 10:00 on both sides of a daylight saving change
    (UTC+1 in winter, UTC+2 in summer); a time that does not exist that day
    (the spring gap) takes the offset from before the gap (fold=0)."""
    return datetime.datetime.combine(day, at.replace(tzinfo=None), tzinfo=TIME_ZONE)


def duration_text(duration: Duration) -> str:
    """'90 days', '8 hours', '1 day and 12 hours', in the active language."""
    parts = []
    if duration.years:
        parts.append(ngettext("%(n)s year", "%(n)s years", duration.years) % {"n": duration.years})
    if duration.months:
        parts.append(
            ngettext("%(n)s month", "%(n)s months", duration.months) % {"n": duration.months}
        )
    if duration.days:
        parts.append(ngettext("%(n)s day", "%(n)s days", duration.days) % {"n": duration.days})
    if duration.hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", duration.hours) % {"n": duration.hours})
    if duration.minutes:
        parts.append(
            ngettext("%(n)s minute", "%(n)s minutes", duration.minutes) % {"n": duration.minutes}
        )
    return ", ".join(parts) or "0"


def _hm(moment: datetime.datetime | datetime.time) -> str:
    return f"{moment:%H:%M}"


def _date(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def _is_overlap(exc: IntegrityError) -> bool:
    """The exclusion constraint (PostgreSQL) or the trigger (SQLite) refused an overlap."""
    return NO_OVERLAP_CONSTRAINT in str(exc)


def horizon_limit(horizon: Duration, now: datetime.datetime) -> datetime.datetime:
    """Bookings must start before this instant. A horizon in days (P90D)
    runs to the end of that day in Brussels, so a whole day is bookable or
    not; hours and minutes (PT12H) count from now."""
    local = now.astimezone(TIME_ZONE)
    days = Duration(years=horizon.years, months=horizon.months, days=horizon.days)
    last_day = days.add_to(local.date())
    if horizon.hours or horizon.minutes:
        moment = local_datetime(last_day, local.timetz())
        return moment + datetime.timedelta(hours=horizon.hours, minutes=horizon.minutes)
    return local_datetime(last_day + datetime.timedelta(days=1), datetime.time())


def booking_rules(on: datetime.date | None = None) -> RuleSet:
    return rules_on(BOOKING_RULES, on=on or timezone.localdate())


def cancellation_limit(booking: Booking) -> datetime.datetime:
    """The last moment the member may cancel: the deadline in force when
    they booked (the version recorded in rules_used), before the start."""
    booked_on = timezone.localdate(booking.created_at, TIME_ZONE)
    deadline: Duration = rules_on([CANCELLATION_DEADLINE], on=booked_on).value(
        CANCELLATION_DEADLINE
    )
    return booking.starts_at - deadline.timedelta


def can_cancel(booking: Booking, now: datetime.datetime) -> bool:
    """Whether the member may still cancel the booking at `now`."""
    return (
        booking.kind == BookingKind.MEMBER
        and booking.status == BookingStatus.ACTIVE
        and now <= cancellation_limit(booking)
    )


def _check_eligible(member: Member, rules: RuleSet) -> None:
    eligibility = rules.value(ELIGIBILITY)
    if eligibility["paid_share_required"] and member.status != Status.MEMBER:
        raise ValidationError(NOT_A_PAID_MEMBER, code="not_a_paid_member")
    if member.category not in eligibility["member_categories"]:
        raise ValidationError(
            CATEGORY_NOT_ALLOWED, code="category", params={"category": member.category}
        )


def _check_times(
    resource: Resource,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    rules: RuleSet,
    now: datetime.datetime,
) -> tuple[datetime.datetime, datetime.datetime]:
    """Everything that can be said about the requested times without a lock;
    returns the aware start and end."""
    location = resource.location
    if end == start:
        raise ValidationError({"end": ValidationError(ZERO_LENGTH, code="zero_length")})
    if end < start:
        raise ValidationError(
            {
                "end": ValidationError(
                    ENDS_BEFORE_START,
                    code="ends_before_start",
                    params={"start": _hm(start), "end": _hm(end)},
                )
            }
        )
    step = location.slot_minutes
    for field, moment in (("start", start), ("end", end)):
        if moment.second or moment.microsecond or moment.minute % step:
            raise ValidationError(
                {
                    field: ValidationError(
                        OFF_GRID,
                        code="off_grid",
                        params={"minutes": step, "example": f"10:{step % 60:02d}"},
                    )
                }
            )
    starts_at, ends_at = local_datetime(day, start), local_datetime(day, end)
    if starts_at < now:
        raise ValidationError({"start": ValidationError(IN_THE_PAST, code="past")})
    horizon: Duration = rules.value(HORIZON)
    limit = horizon_limit(horizon, now)
    if starts_at >= limit:
        last = (limit - datetime.timedelta(microseconds=1)).astimezone(TIME_ZONE).date()
        raise ValidationError(
            {
                "day": ValidationError(
                    BEYOND_HORIZON,
                    code="horizon",
                    params={"horizon": duration_text(horizon), "last": _date(last)},
                )
            }
        )
    longest: Duration = rules.value(MAX_LENGTH)
    if ends_at - starts_at > longest.timedelta:
        raise ValidationError(
            {
                "end": ValidationError(
                    TOO_LONG, code="too_long", params={"length": duration_text(longest)}
                )
            }
        )
    closure = selectors.closure_on(location=location, day=day)
    if closure is not None:
        raise ValidationError(
            {
                "day": ValidationError(
                    CLOSED_ON_DAY,
                    code="closed",
                    params={
                        "location": location.name,
                        "date": _date(day),
                        "reason": closure.reason,
                    },
                )
            }
        )
    intervals = selectors.opening_intervals(location=location, day=day)
    if not intervals:
        raise ValidationError(
            {
                "day": ValidationError(
                    CLOSED_ON_WEEKDAY,
                    code="closed_weekday",
                    params={"location": location.name, "weekday": Weekday(day.weekday()).label},
                )
            }
        )
    if not any(opens <= start and end <= closes for opens, closes in intervals):
        hours = ", ".join(f"{_hm(o)}–{_hm(c)}" for o, c in intervals)
        raise ValidationError(
            {
                "start": ValidationError(
                    OUTSIDE_OPENING_HOURS,
                    code="opening_hours",
                    params={"location": location.name, "hours": hours},
                )
            }
        )
    return starts_at, ends_at


def _raise_if_taken(
    resource: Resource, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> None:
    clash = selectors.overlapping(resource=resource, starts_at=starts_at, ends_at=ends_at).first()
    if clash is None:
        return
    message = UNDER_MAINTENANCE if clash.kind == BookingKind.MAINTENANCE else SLOT_TAKEN
    raise ValidationError(message, code="taken", params={"resource": resource.name})


# --- Booking ----------------------------------------------------------------------------


def booking_create(
    *,
    member: Member,
    resource: Resource,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    acting_user: User,
) -> Booking:
    """Book `resource` on `day` from `start` to `end` (Brussels wall-clock
    times) for `member`; the confirmation email (with the .ics) is sent by a
    task after commit. Raises ValidationError with the message to show,
    keyed by the form field it concerns when there is one."""
    now = timezone.now()
    rules = booking_rules(now.astimezone(TIME_ZONE).date())
    resource = Resource.objects.select_related("location").get(pk=resource.pk)
    if not (resource.is_active and resource.location.is_active):
        raise ValidationError({"resource": ValidationError(RESOURCE_UNAVAILABLE, code="inactive")})
    _check_eligible(member, rules)
    starts_at, ends_at = _check_times(resource, day, start, end, rules, now)
    try:
        with transaction.atomic():
            # One member's bookings one at a time, so two tabs cannot both
            # take the last booking of the week.
            member = Member.objects.select_for_update().get(pk=member.pk)
            _check_eligible(member, rules)
            monday, week_count = selectors.bookings_in_week(member=member, day=day)
            if week_count >= rules.value(PER_WEEK):
                params = {"count": week_count, "monday": _date(monday)}
                raise ValidationError(OVER_WEEKLY_QUOTA, code="quota", params=params)
            _raise_if_taken(resource, starts_at, ends_at)
            booking = Booking(
                resource=resource,
                kind=BookingKind.MEMBER,
                member=member,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=acting_user,
                rules_used=rules.provenance(),
            )
            audited(booking, acting_user=acting_user, reason="booked")
            booking.save()
            enqueue_on_commit("workspaces.booking_confirmation_send", booking.pk)
    except IntegrityError as exc:
        # Two members clicked at once: the other one's booking committed
        # between our check and our insert, and the constraint refused ours.
        if _is_overlap(exc):
            raise ValidationError(
                SLOT_TAKEN, code="taken", params={"resource": resource.name}
            ) from exc
        raise
    return booking


def booking_cancel(*, booking: Booking, member: Member, acting_user: User) -> Booking:
    """The member cancels one of their upcoming bookings, up to the
    cancellation deadline before it starts."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("resource__location")
            .get(pk=booking.pk, member=member, kind=BookingKind.MEMBER)
        )
        if booking.status == BookingStatus.CANCELLED:
            raise ValidationError(ALREADY_CANCELLED, code="cancelled")
        now = timezone.now()
        if booking.starts_at <= now:
            raise ValidationError(ALREADY_STARTED, code="started")
        limit = cancellation_limit(booking)
        if now > limit:
            deadline = rules_on(
                [CANCELLATION_DEADLINE], on=timezone.localdate(booking.created_at, TIME_ZONE)
            ).value(CANCELLATION_DEADLINE)
            raise ValidationError(
                PAST_CANCELLATION_DEADLINE,
                code="deadline",
                params={
                    "deadline": duration_text(deadline),
                    "limit": f"{limit.astimezone(TIME_ZONE):%d/%m/%Y %H:%M}",
                },
            )
        _cancel(booking, acting_user=acting_user, reason="cancelled by the member")
    return booking


def booking_cancel_on_behalf(*, booking: Booking, acting_user: User, reason: str) -> Booking:
    """Staff cancel a member's booking (no deadline applies); the member is
    told why by email, after commit."""
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(REASON_REQUIRED, code="reason")})
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            raise ValidationError(ALREADY_CANCELLED, code="cancelled")
        _cancel(booking, acting_user=acting_user, reason=reason.strip())
        if booking.kind == BookingKind.MEMBER:
            enqueue_on_commit("workspaces.booking_cancellation_send", booking.pk)
    return booking


def _cancel(booking: Booking, *, acting_user: User, reason: str) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = acting_user
    booking.cancellation_reason = reason
    audited(booking, acting_user=acting_user, reason=reason)
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason"])


# --- Maintenance blocks ---------------------------------------------------------------


def maintenance_block_create(
    *,
    resource: Resource,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    note: str,
    acting_user: User,
) -> Booking:
    """Staff block a resource (any length, opening hours or not). Members'
    bookings in that time must be cancelled on their behalf first, so that
    nobody loses a booking without being told."""
    if ends_at <= starts_at:
        raise ValidationError(
            {
                "ends_at": ValidationError(
                    ZERO_LENGTH if ends_at == starts_at else ENDS_BEFORE_START,
                    code="order",
                    params={
                        "start": _hm(starts_at.astimezone(TIME_ZONE)),
                        "end": _hm(ends_at.astimezone(TIME_ZONE)),
                    },
                )
            }
        )
    try:
        with transaction.atomic():
            clashes = list(
                selectors.overlapping(resource=resource, starts_at=starts_at, ends_at=ends_at)
            )
            members = [b for b in clashes if b.kind == BookingKind.MEMBER]
            if members:
                listed = ", ".join(
                    f"{b.local_start:%d/%m %H:%M}–{b.local_end:%H:%M}" for b in members[:5]
                )
                params = {"resource": resource.name, "bookings": listed}
                raise ValidationError(BLOCK_OVER_BOOKINGS, code="bookings", params=params)
            if clashes:
                raise ValidationError(
                    BLOCK_OVERLAPS, code="blocked", params={"resource": resource.name}
                )
            block = Booking(
                resource=resource,
                kind=BookingKind.MAINTENANCE,
                starts_at=starts_at,
                ends_at=ends_at,
                note=note.strip(),
                created_by=acting_user,
            )
            audited(block, acting_user=acting_user, reason="maintenance block")
            block.save()
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise ValidationError(
                BLOCK_OVERLAPS, code="blocked", params={"resource": resource.name}
            ) from exc
        raise
    return block


def maintenance_block_lift(*, block: Booking, acting_user: User) -> Booking:
    """End a maintenance block (it stays on record, cancelled)."""
    with transaction.atomic():
        block = Booking.objects.select_for_update().get(pk=block.pk)
        if block.kind != BookingKind.MAINTENANCE:
            raise ValidationError(NOT_A_MAINTENANCE_BLOCK, code="not_block")
        if block.status == BookingStatus.CANCELLED:
            raise ValidationError(ALREADY_CANCELLED, code="cancelled")
        _cancel(block, acting_user=acting_user, reason="maintenance block lifted")
    return block


# --- Calendar feed ------------------------------------------------------------------------


def calendar_feed_renew(*, member: Member, acting_user: User) -> CalendarFeed:
    """A new secret feed address for the member; the previous one (if any)
    is revoked and answers 404 from now on."""
    with transaction.atomic():
        Member.objects.select_for_update().get(pk=member.pk)
        CalendarFeed.objects.filter(member=member, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return CalendarFeed.objects.create(member=member, token=secrets.token_urlsafe(32))


def calendar_feed_revoke(*, member: Member, acting_user: User) -> int:
    """Revoke the member's feed address; returns how many were live (0 or 1)."""
    with transaction.atomic():
        return CalendarFeed.objects.filter(member=member, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def booking_mark_notified(*, booking_id: int, field: str) -> bool:
    """Record that an email went out; False when it already had (task retries)."""
    if field not in ("confirmation_sent_at", "cancellation_sent_at"):
        raise ValueError(field)
    filters: dict[str, Any] = {"pk": booking_id, f"{field}__isnull": True}
    return bool(Booking.objects.filter(**filters).update(**{field: timezone.now()}))
