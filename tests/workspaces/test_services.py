"""Booking rules (issue 8, "Rules to hold" and "Bad input"): each mistake gets
its message and saves nothing; back-to-back is allowed; the database itself
refuses overlaps; rule versions are recorded; times keep their wall clock
across daylight saving changes; emails carry an .ics."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Member
from rules.selectors import rules_on
from tests.factories import LocationFactory, MemberFactory, ResourceFactory, StaffFactory
from tests.workspaces.conftest import at, book, in_days, rule_from_today
from workspaces import services
from workspaces.models import (
    TIME_ZONE,
    Booking,
    BookingKind,
    BookingStatus,
    Closure,
    OpeningHours,
    Resource,
)

pytestmark = pytest.mark.django_db


def _refused(
    member: Member,
    resource: Resource,
    day: datetime.date,
    start: str,
    end: str,
    message: object,
    field: str | None = None,
) -> ValidationError:
    """The booking is refused with `message` (next to `field`) and nothing is saved."""
    before = Booking.objects.count()
    with pytest.raises(ValidationError) as exc:
        book(member, resource, day, start, end)
    error = exc.value
    if field is None:
        assert not hasattr(error, "error_dict"), error
        codes = [e.message for e in error.error_list]
    else:
        assert set(error.error_dict) == {field}, error.error_dict
        codes = [e.message for e in error.error_dict[field]]
    assert codes == [message], codes
    assert Booking.objects.count() == before
    return error


# --- A booking ------------------------------------------------------------------------------


def test_a_paid_member_books_a_range_of_slots(paid, room, django_capture_on_commit_callbacks):
    day = in_days(1)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(paid, room, day, "10:00", "12:00")
    assert booking.status == BookingStatus.ACTIVE
    assert booking.kind == BookingKind.MEMBER
    assert booking.local_start == datetime.datetime.combine(day, at("10:00"), tzinfo=TIME_ZONE)
    assert booking.ends_at - booking.starts_at == datetime.timedelta(hours=2)
    # The rule versions it used are recorded.
    expected = rules_on(services.BOOKING_RULES, on=timezone.localdate()).provenance()
    assert booking.rules_used == expected
    assert set(booking.rules_used) == set(services.BOOKING_RULES)
    # Audited: the history row names who booked.
    history = booking.history.get()
    assert (history.history_user, history.history_change_reason) == (paid.user, "booked")
    # The confirmation, with the booking as an .ics attachment.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [paid.user.email]
    assert "Meeting room Horta" in message.subject
    assert "10:00–12:00" in message.body
    ((name, ics, mimetype),) = message.attachments
    assert (name, mimetype) == (f"booking-{booking.pk}.ics", "text/calendar")
    start_utc = booking.starts_at.astimezone(datetime.UTC)
    assert f"DTSTART:{start_utc:%Y%m%dT%H%M%SZ}" in ics
    assert "STATUS:CONFIRMED" in ics
    booking.refresh_from_db()
    assert booking.confirmation_sent_at is not None


def test_confirmation_is_sent_once_even_if_the_task_runs_twice(paid, room):
    from workspaces import tasks

    booking = book(paid, room, in_days(1), "10:00", "11:00")
    assert tasks.booking_confirmation_send(booking.pk) is True
    assert tasks.booking_confirmation_send(booking.pk) is False
    assert len(mail.outbox) == 1


def test_back_to_back_bookings_are_allowed(paid, paid_other, room):
    day = in_days(2)
    book(paid, room, day, "10:00", "11:00")
    book(paid_other, room, day, "11:00", "12:00")
    book(paid_other, room, day, "09:00", "10:00")
    assert Booking.objects.filter(resource=room, status="active").count() == 3


def test_another_resource_at_the_same_time_is_fine(paid, paid_other, room, desk):
    day = in_days(2)
    in_room = book(paid, room, day, "10:00", "12:00")
    at_desk = book(paid_other, desk, day, "10:00", "12:00")
    saved = Booking.objects.filter(status="active").order_by("resource__name")
    assert [(b.pk, b.resource, b.member) for b in saved] == [
        (at_desk.pk, desk, paid_other),
        (in_room.pk, room, paid),
    ]
    assert {(b.starts_at, b.ends_at) for b in saved} == {(in_room.starts_at, in_room.ends_at)}
    local = [timezone.localtime(moment) for moment in (in_room.starts_at, in_room.ends_at)]
    assert [(t.date(), t.time()) for t in local] == [(day, at("10:00")), (day, at("12:00"))]


# --- Bad input: each with its message, nothing saved ------------------------------------------


def test_end_before_start(paid, room):
    _refused(paid, room, in_days(1), "12:00", "10:00", services.ENDS_BEFORE_START, "end")


def test_zero_length(paid, room):
    _refused(paid, room, in_days(1), "10:00", "10:00", services.ZERO_LENGTH, "end")


def test_off_the_slot_grid(paid, room):
    _refused(paid, room, in_days(1), "10:10", "11:00", services.OFF_GRID, "start")


def test_outside_opening_hours(paid, room):
    _refused(paid, room, in_days(1), "07:00", "09:00", services.OUTSIDE_OPENING_HOURS, "start")
    _refused(paid, room, in_days(1), "19:00", "21:00", services.OUTSIDE_OPENING_HOURS, "start")


def test_inside_a_lunch_break(paid):
    location = LocationFactory(hours=False)
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens=at(o), closes=at(c))
        for d in range(7)
        for o, c in (("09:00", "12:00"), ("13:00", "17:00"))
    )
    room = ResourceFactory(location=location)
    _refused(paid, room, in_days(1), "11:00", "14:00", services.OUTSIDE_OPENING_HOURS, "start")
    book(paid, room, in_days(1), "13:00", "17:00")


def test_in_the_past(paid, room):
    _refused(paid, room, in_days(-1), "10:00", "11:00", services.IN_THE_PAST, "start")


def test_beyond_the_booking_horizon(paid, room):
    horizon = rules_on([services.HORIZON]).value(services.HORIZON)
    assert horizon.days == 90  # the catalogue's P90D
    book(paid, room, in_days(90), "10:00", "11:00")  # the last day is bookable
    error = _refused(paid, room, in_days(91), "10:00", "11:00", services.BEYOND_HORIZON, "day")
    assert "90 days" in error.messages[0]


def test_longer_than_the_longest_booking(paid, room):
    error = _refused(paid, room, in_days(1), "08:00", "17:00", services.TOO_LONG, "end")
    assert "8 hours" in error.messages[0]
    book(paid, room, in_days(1), "08:00", "16:00")  # exactly the longest


def test_on_a_closure(paid, room):
    day = in_days(5)
    Closure.objects.create(
        location=room.location, first_day=day, last_day=day, reason="Christmas Day"
    )
    error = _refused(paid, room, day, "10:00", "11:00", services.CLOSED_ON_DAY, "day")
    assert "Christmas Day" in error.messages[0]


def test_on_a_weekday_without_opening_hours(paid):
    location = LocationFactory(hours=False)
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens=at("08:00"), closes=at("18:00"))
        for d in range(5)
    )
    room = ResourceFactory(location=location)
    sunday = in_days(7 + (6 - timezone.localdate().weekday()))
    error = _refused(paid, room, sunday, "10:00", "11:00", services.CLOSED_ON_WEEKDAY, "day")
    assert "Sunday" in error.messages[0]


def test_over_the_weekly_quota(paid, location):
    rooms = [ResourceFactory(location=location) for _ in range(6)]
    day = in_days(14)
    monday = day - datetime.timedelta(days=day.weekday())
    for n in range(5):
        book(paid, rooms[n], monday + datetime.timedelta(days=n), "10:00", "11:00")
    sunday = monday + datetime.timedelta(days=6)
    error = _refused(paid, rooms[5], sunday, "10:00", "11:00", services.OVER_WEEKLY_QUOTA)
    assert f"{monday:%d/%m/%Y}" in error.messages[0]
    # The next week is another week; a cancelled booking frees its place.
    book(paid, rooms[5], sunday + datetime.timedelta(days=1), "10:00", "11:00")
    first = Booking.objects.filter(member=paid).order_by("starts_at").first()
    assert first is not None
    services.booking_cancel(booking=first, member=paid, acting_user=paid.user)
    book(paid, rooms[5], sunday, "10:00", "11:00")


def test_a_taken_slot_gets_the_friendly_message(paid, paid_other, room):
    book(paid, room, in_days(1), "10:00", "12:00")
    error = _refused(paid_other, room, in_days(1), "11:00", "13:00", services.SLOT_TAKEN)
    assert "Meeting room Horta" in error.messages[0]


def test_a_maintenance_block_is_not_bookable(paid, room):
    staff = StaffFactory()
    day = in_days(3)
    services.maintenance_block_create(
        resource=room,
        starts_at=services.local_datetime(day, at("08:00")),
        ends_at=services.local_datetime(day, at("13:00")),
        note="new carpet",
        acting_user=staff,
    )
    _refused(paid, room, day, "12:30", "14:00", services.UNDER_MAINTENANCE)
    book(paid, room, day, "13:00", "14:00")  # right after the block


def test_an_applicant_cannot_book(room):
    applicant = MemberFactory()  # no share paid yet
    _refused(applicant, room, in_days(1), "10:00", "11:00", services.NOT_A_PAID_MEMBER)


def test_the_eligibility_rule_can_leave_out_a_category(paid, room):
    rule_from_today(
        services.ELIGIBILITY, {"paid_share_required": True, "member_categories": ["B", "C"]}
    )
    assert paid.category == "A"
    _refused(paid, room, in_days(1), "10:00", "11:00", services.CATEGORY_NOT_ALLOWED)


def test_the_eligibility_rule_can_drop_the_paid_share(room):
    rule_from_today(
        services.ELIGIBILITY, {"paid_share_required": False, "member_categories": ["A"]}
    )
    book(MemberFactory(), room, in_days(1), "10:00", "11:00")


def test_an_inactive_resource_is_not_bookable(paid, room):
    Resource.objects.filter(pk=room.pk).update(is_active=False)
    _refused(paid, room, in_days(1), "10:00", "11:00", services.RESOURCE_UNAVAILABLE, "resource")


# --- The database guarantee -------------------------------------------------------------------


def _row(resource: Resource, day: datetime.date, start: str, end: str, **extra) -> Booking:
    return Booking(
        resource=resource,
        member=extra.pop("member", None),
        kind=extra.pop("kind", "member"),
        starts_at=services.local_datetime(day, at(start)),
        ends_at=services.local_datetime(day, at(end)),
        **extra,
    )


def test_the_exclusion_constraint_refuses_overlaps_whatever_the_code_path(paid, room):
    day = in_days(1)
    _row(room, day, "10:00", "12:00", member=paid).save()
    for start, end in (
        ("11:00", "13:00"),
        ("09:00", "10:30"),
        ("10:00", "12:00"),
        ("10:30", "11:00"),
        ("09:00", "13:00"),
    ):
        with (
            pytest.raises(IntegrityError, match="workspaces_booking_no_overlap"),
            transaction.atomic(),
        ):
            _row(room, day, start, end, member=paid).save()
    # Half-open: touching ranges are fine; a maintenance block is held to it too.
    _row(room, day, "12:00", "13:00", member=paid).save()
    with pytest.raises(IntegrityError, match="workspaces_booking_no_overlap"), transaction.atomic():
        _row(room, day, "12:30", "14:00", kind="maintenance").save()


def test_cancelled_bookings_free_their_time_and_cannot_come_back_over_another(paid, room):
    day = in_days(1)
    first = _row(room, day, "10:00", "12:00", member=paid)
    first.save()
    Booking.objects.filter(pk=first.pk).update(status="cancelled", cancelled_at=timezone.now())
    _row(room, day, "10:00", "12:00", member=paid).save()
    with pytest.raises(IntegrityError, match="workspaces_booking_no_overlap"), transaction.atomic():
        Booking.objects.filter(pk=first.pk).update(status="active", cancelled_at=None)


def test_the_database_refuses_an_empty_or_reversed_range(paid, room):
    with pytest.raises(IntegrityError, match="booking_ends_after_it_starts"), transaction.atomic():
        _row(room, in_days(1), "10:00", "10:00", member=paid).save()


# --- Daylight saving time ---------------------------------------------------------------------


def _next_last_sunday(month: int) -> datetime.date:
    """The next last Sunday of `month` (when Europe changes clocks) after tomorrow."""
    for year in (timezone.localdate().year, timezone.localdate().year + 1):
        last = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        sunday = last - datetime.timedelta(days=(last.weekday() + 1) % 7)
        if sunday > in_days(1):
            return sunday
    raise AssertionError("unreachable")


def test_bookings_keep_their_wall_clock_time_across_daylight_saving_changes(paid, room):
    rule_from_today(services.HORIZON, "P500D")
    rule_from_today(services.PER_WEEK, 20)
    spring = _next_last_sunday(3)  # clocks go from 02:00 to 03:00 (UTC+1 to UTC+2)
    autumn = _next_last_sunday(10)  # from 03:00 back to 02:00
    for day in (
        spring - datetime.timedelta(days=1),
        spring,
        autumn - datetime.timedelta(days=1),
        autumn,
    ):
        booking = book(paid, room, day, "10:00", "12:00")
        assert (booking.local_start.time(), booking.local_end.time()) == (at("10:00"), at("12:00"))
        assert booking.ends_at - booking.starts_at == datetime.timedelta(hours=2)
    utc_hours = {
        b.local_start.date(): b.starts_at.astimezone(datetime.UTC).hour
        for b in Booking.objects.filter(member=paid)
    }
    # Winter 10:00 is 09:00 UTC, summer 10:00 is 08:00 UTC.
    one_day = datetime.timedelta(days=1)
    assert utc_hours == {spring - one_day: 9, spring: 8, autumn - one_day: 8, autumn: 9}


# --- Cancelling -------------------------------------------------------------------------------


def test_the_member_cancels_before_the_deadline(paid, room):
    booking = book(paid, room, in_days(3), "10:00", "12:00")
    services.booking_cancel(booking=booking, member=paid, acting_user=paid.user)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_by == paid.user
    assert booking.history.latest().history_change_reason == "cancelled by the member"
    # The time is free again.
    book(paid, room, in_days(3), "10:00", "12:00")


def test_cancelling_twice_says_it_is_already_cancelled(paid, room):
    booking = book(paid, room, in_days(3), "10:00", "12:00")
    services.booking_cancel(booking=booking, member=paid, acting_user=paid.user)
    with pytest.raises(ValidationError) as exc:
        services.booking_cancel(booking=booking, member=paid, acting_user=paid.user)
    assert exc.value.messages == [str(services.ALREADY_CANCELLED)]


def test_no_cancelling_after_the_deadline(paid, room):
    # 24 hours before the start (workspaces.cancellation_deadline, PT24H)
    soon = timezone.now().astimezone(TIME_ZONE) + datetime.timedelta(hours=3)
    booking = _row(room, soon.date(), "08:00", "09:00", member=paid)
    booking.starts_at, booking.ends_at = soon, soon + datetime.timedelta(hours=1)
    booking.save()
    assert not services.can_cancel(booking, timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.booking_cancel(booking=booking, member=paid, acting_user=paid.user)
    assert exc.value.error_list[0].message == services.PAST_CANCELLATION_DEADLINE
    assert "24 hours" in exc.value.messages[0]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_no_cancelling_a_booking_that_started(paid, room):
    booking = _row(room, in_days(-1), "10:00", "11:00", member=paid)
    booking.save()
    with pytest.raises(ValidationError) as exc:
        services.booking_cancel(booking=booking, member=paid, acting_user=paid.user)
    assert exc.value.messages == [str(services.ALREADY_STARTED)]


def test_a_member_cannot_cancel_another_members_booking(paid, paid_other, room):
    booking = book(paid, room, in_days(3), "10:00", "12:00")
    with pytest.raises(Booking.DoesNotExist):
        services.booking_cancel(booking=booking, member=paid_other, acting_user=paid_other.user)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_staff_cancel_on_behalf_and_the_member_is_told(
    paid, room, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    booking = book(paid, room, in_days(1), "10:00", "12:00")  # within the deadline: staff may
    mail.outbox.clear()
    with pytest.raises(ValidationError) as exc:
        services.booking_cancel_on_behalf(booking=booking, acting_user=staff, reason="  ")
    assert exc.value.message_dict == {"reason": [str(services.REASON_REQUIRED)]}
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel_on_behalf(
            booking=booking, acting_user=staff, reason="Water damage in the room"
        )
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (BookingStatus.CANCELLED, staff)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [paid.user.email]
    assert "Water damage in the room" in message.body
    assert "STATUS:CANCELLED" in message.attachments[0][1]
    assert booking.cancellation_sent_at is not None


# --- Maintenance blocks -----------------------------------------------------------------------


def test_a_block_cannot_cover_members_bookings(paid, room):
    staff = StaffFactory()
    day = in_days(2)
    book(paid, room, day, "10:00", "11:00")
    with pytest.raises(ValidationError) as exc:
        services.maintenance_block_create(
            resource=room,
            starts_at=services.local_datetime(day, at("08:00")),
            ends_at=services.local_datetime(day + datetime.timedelta(days=1), at("08:00")),
            note="painting",
            acting_user=staff,
        )
    assert exc.value.error_list[0].message == services.BLOCK_OVER_BOOKINGS
    assert "10:00–11:00" in exc.value.messages[0]
    assert not Booking.objects.filter(kind="maintenance").exists()


def test_a_block_is_lifted_and_frees_the_time(paid, room):
    staff = StaffFactory()
    day = in_days(2)
    block = services.maintenance_block_create(
        resource=room,
        starts_at=services.local_datetime(day, at("08:00")),
        ends_at=services.local_datetime(day, at("20:00")),
        note="painting",
        acting_user=staff,
    )
    assert (block.kind, block.member) == (BookingKind.MAINTENANCE, None)
    services.maintenance_block_lift(block=block, acting_user=staff)
    book(paid, room, day, "10:00", "11:00")
    with pytest.raises(ValidationError):
        services.maintenance_block_lift(block=block, acting_user=staff)


# --- Calendar feed ----------------------------------------------------------------------------


def test_renewing_the_feed_revokes_the_previous_address(paid):
    first = services.calendar_feed_renew(member=paid, acting_user=paid.user)
    second = services.calendar_feed_renew(member=paid, acting_user=paid.user)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert first.token != second.token and len(second.token) >= 40
    assert services.calendar_feed_revoke(member=paid, acting_user=paid.user) == 1
    assert services.calendar_feed_revoke(member=paid, acting_user=paid.user) == 0
