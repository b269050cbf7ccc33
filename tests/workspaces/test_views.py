"""The member's workspace pages with the test client: locations, the grid
(day and week, filters, htmx fragments), booking with and without htmx, my
bookings, cancelling, and the calendar feed. Query counts are pinned at two
sizes."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import LocationFactory, MemberFactory, ResourceFactory, StaffFactory
from tests.helpers import logged_in
from tests.workspaces.conftest import at, book, in_days, rule_from_today
from workspaces import services
from workspaces.models import Booking, BookingStatus, CalendarFeed, Closure

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _count(django_assert_max_num_queries, client: Client, url: str) -> int:
    client.get(url)  # warm the session and the rules cache
    with django_assert_max_num_queries(30) as captured:
        response = client.get(url)
    count = len(captured.captured_queries)  # read now: the next request resets it
    assert response.status_code == 200
    return count


# --- Locations ---------------------------------------------------------------------------------


def test_locations_list_with_resources_hours_and_accessibility(paid_client, room, desk):
    response = paid_client.get(reverse("workspaces:locations"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Brussels" in html and "Rue Coenraets 72, 1060 Saint-Gilles" in html
    assert "1 desk" in html and "1 meeting room" in html and "0 studios" in html
    assert "08:00–20:00" in html
    assert "Step-free entrance and lift." in html
    assert reverse("workspaces:location", args=["brussels"]) in html
    assert 'href="/workspaces/"' in html and "aria-current" in html  # the nav link


def test_locations_paginate_and_keep_the_city_filter(paid_client):
    for n in range(25):
        LocationFactory(name=f"Ghent {n:02d}", city="Gent", hours=False)
    LocationFactory(name="Liège", city="Liège", hours=False)
    first = paid_client.get(reverse("workspaces:locations"), {"city": "Gent"})
    assert len(first.context["page"].object_list) == 20
    assert "?city=Gent&amp;page=2" in first.content.decode()
    second = paid_client.get(reverse("workspaces:locations"), {"city": "Gent", "page": 2})
    assert [loc.name for loc in second.context["page"]] == [f"Ghent {n}" for n in range(20, 25)]


def test_locations_list_query_count_is_fixed(paid_client, django_assert_max_num_queries):
    url = reverse("workspaces:locations")
    LocationFactory()
    few = _count(django_assert_max_num_queries, paid_client, url)
    for _ in range(15):
        ResourceFactory(location=LocationFactory())
    many = _count(django_assert_max_num_queries, paid_client, url)
    # session, user, language, cities, count, page of locations, their opening hours
    assert many == few == 7


# --- The availability grid ---------------------------------------------------------------------


def test_day_grid_shows_free_taken_and_yours(paid, paid_other, paid_client, room, desk):
    day = in_days(1)
    book(paid, room, day, "10:00", "12:00")
    book(paid_other, desk, day, "09:00", "10:00")
    response = paid_client.get(
        reverse("workspaces:location", args=["brussels"]), {"date": day.isoformat()}
    )
    assert response.status_code == 200
    rows = {row.resource.name: row.cells[0] for row in response.context["grid"].rows}
    horta = [(s.state, f"{s.start:%H:%M}", s.slots) for s in rows["Meeting room Horta"]]
    assert ("yours", "10:00", 4) in horta  # two hours of 30-minute slots, merged
    assert horta[0] == ("free", "08:00", 1)
    desk_cells = [(s.state, f"{s.start:%H:%M}") for s in rows["Desk 1"]]
    assert ("taken", "09:00") in desk_cells
    html = response.content.decode()
    assert 'colspan="4"' in html and ">Yours<" in html and ">Taken<" in html
    assert "Meeting room · 8 people<br>screen, whiteboard" in html  # type, capacity, equipment
    book_link = f"resource={room.pk}&amp;day={day.isoformat()}&amp;start=08:00"
    assert book_link in html and 'hx-target="#booking-panel" hx-swap="innerHTML"' in html
    assert "htmx" in html  # the script is served from our static files


def test_grid_marks_past_closed_and_later_slots(paid_client, room, location):
    today = timezone.localdate()
    Closure.objects.create(
        location=location, first_day=in_days(2), last_day=in_days(2), reason="Labour Day"
    )
    url = reverse("workspaces:location", args=["brussels"])
    closed = paid_client.get(url, {"date": in_days(2).isoformat()})
    assert "Closed that day: Labour Day." in closed.content.decode()
    yesterday = paid_client.get(url, {"date": (today - datetime.timedelta(days=1)).isoformat()})
    assert {s.state for s in yesterday.context["grid"].rows[0].cells[0]} == {"past"}
    later = paid_client.get(url, {"date": in_days(91).isoformat()})
    assert {s.state for s in later.context["grid"].rows[0].cells[0]} == {"later"}


def test_week_grid_and_its_days(paid, paid_client, room):
    day = in_days(7)
    book(paid, room, day, "08:00", "14:00")
    response = paid_client.get(
        reverse("workspaces:location", args=["brussels"]),
        {"view": "week", "date": day.isoformat()},
    )
    grid = response.context["grid"]
    monday = day - datetime.timedelta(days=day.weekday())
    assert [d.day for d in grid.days] == [monday + datetime.timedelta(days=n) for n in range(7)]
    week = {d.day: (bar, free) for d, bar, free in grid.rows[0].week}
    bar, free = week[day]
    assert [(s.state, s.slots) for s in bar] == [("yours", 12), ("free", 12)]
    assert free == 6
    html = response.content.decode()
    assert "6 h free" in html
    assert f"?view=day&amp;date={day.isoformat()}" in html


def test_grid_filters_by_type_and_capacity_and_keeps_them_in_links(paid_client, room, desk):
    url = reverse("workspaces:location", args=["brussels"])
    rooms = paid_client.get(url, {"kind": "meeting_room"})
    assert [r.resource.name for r in rooms.context["grid"].rows] == ["Meeting room Horta"]
    big = paid_client.get(url, {"capacity": 5})
    assert [r.resource.name for r in big.context["grid"].rows] == ["Meeting room Horta"]
    none = paid_client.get(url, {"capacity": 50, "view": "week"})
    assert "No resource matches these filters." in none.content.decode()
    assert "capacity=50" in none.context["next_url"] and "view=week" in none.context["next_url"]


def test_bad_filters_are_said_next_to_the_field_and_defaults_used(paid_client, room):
    response = paid_client.get(
        reverse("workspaces:location", args=["brussels"]), {"date": "31/02", "capacity": "-3"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"date", "capacity"}
    assert response.context["date"] == timezone.localdate()
    assert 'aria-invalid="true"' in response.content.decode()


def test_htmx_filter_request_gets_only_the_grid(paid_client, room):
    response = paid_client.get(
        reverse("workspaces:location", args=["brussels"]),
        {"view": "week"},
        HTTP_HX_TARGET="availability",
        **HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="availability"')
    assert "<html" not in html


def test_unknown_location_is_404(paid_client):
    assert paid_client.get(reverse("workspaces:location", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("view", ["day", "week"])
def test_grid_query_count_does_not_grow_with_resources_and_bookings(
    view, paid, paid_other, location, django_assert_max_num_queries
):
    client = logged_in(paid.user)
    url = reverse("workspaces:location", args=["brussels"]) + f"?view={view}&date={in_days(7)}"
    ResourceFactory(location=location)
    few = _count(django_assert_max_num_queries, client, url)
    rooms = [ResourceFactory(location=location) for _ in range(49)]
    rule_from_today(services.PER_WEEK, 50)
    for n, resource in enumerate(rooms[:20]):
        book(paid if n % 2 else paid_other, resource, in_days(7), "10:00", "11:00")
    Closure.objects.create(
        location=location, first_day=in_days(8), last_day=in_days(8), reason="works"
    )
    many = _count(django_assert_max_num_queries, client, url)
    assert len(client.get(url).context["grid"].rows) == 50
    # session, user, language, member, location + its opening hours, resources,
    # closures in range, bookings in range, upcoming closures
    assert many == few == 10


# --- Booking -----------------------------------------------------------------------------------


def test_the_booking_panel_opens_with_the_slot_chosen(paid_client, room):
    day = in_days(1)
    response = paid_client.get(
        reverse("workspaces:book"),
        {"location": "brussels", "resource": room.pk, "day": day.isoformat(), "start": "10:00"},
        **HTMX,
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'value="10:00"' in html and 'value="10:30"' in html  # one slot, to extend
    assert 'step="1800"' in html
    for label in ("Resource", "Day", "From", "Until"):
        assert f">{label}</label>" in html


def test_booking_with_htmx_returns_the_confirmation_and_refreshes_the_grid(paid_client, paid, room):
    day = in_days(1)
    response = paid_client.post(
        reverse("workspaces:book"),
        {
            "location": "brussels",
            "resource": room.pk,
            "day": day.isoformat(),
            "start": "10:00",
            "end": "12:00",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "bookingsChanged"
    booking = Booking.objects.get(member=paid)
    html = response.content.decode()
    assert "Booked." in html and "10:00–12:00" in html
    assert reverse("workspaces:booking", args=[booking.pk]) in html


def test_booking_without_htmx_redirects_to_the_booking(paid_client, paid, room):
    response = paid_client.post(
        reverse("workspaces:book"),
        {"resource": room.pk, "day": in_days(1).isoformat(), "start": "10:00", "end": "11:00"},
    )
    booking = Booking.objects.get(member=paid)
    assert response.status_code == 302
    assert response["Location"] == reverse("workspaces:booking", args=[booking.pk])


def test_a_refused_booking_keeps_the_input_and_says_why(paid_client, paid_other, room):
    day = in_days(1)
    book(paid_other, room, day, "10:00", "12:00")
    response = paid_client.post(
        reverse("workspaces:book"),
        {
            "location": "brussels",
            "resource": room.pk,
            "day": day.isoformat(),
            "start": "11:00",
            "end": "12:00",
        },
        **HTMX,
    )
    html = response.content.decode()
    assert "HX-Trigger" not in response
    assert 'role="alert"' in html and "already booked at that time" in html
    assert 'value="11:00"' in html and f'value="{day.isoformat()}"' in html
    assert Booking.objects.count() == 1


def test_a_bad_time_is_said_next_to_its_field(paid_client, room):
    response = paid_client.post(
        reverse("workspaces:book"),
        {"resource": room.pk, "day": in_days(1).isoformat(), "start": "12:00", "end": "11:00"},
    )
    form = response.context["form"]
    assert form.errors == {
        "end": ["The end (11:00) is before the start (12:00): choose a later end."]
    }
    assert not Booking.objects.exists()


def test_an_applicant_sees_why_they_cannot_book(room):
    client = logged_in(MemberFactory(language="en").user)
    response = client.post(
        reverse("workspaces:book"),
        {"resource": room.pk, "day": in_days(1).isoformat(), "start": "10:00", "end": "11:00"},
    )
    assert str(services.NOT_A_PAID_MEMBER) in response.content.decode()
    assert not Booking.objects.exists()


def test_staff_without_a_member_profile_cannot_book(room):
    client = logged_in(StaffFactory())
    assert client.get(reverse("workspaces:book")).status_code == 404
    assert client.get(reverse("workspaces:my_bookings")).status_code == 404


# --- My bookings ----------------------------------------------------------------------------------


def test_my_bookings_upcoming_and_past(paid_client, paid, paid_other, room):
    upcoming = book(paid, room, in_days(3), "10:00", "12:00")
    book(paid_other, room, in_days(3), "12:00", "13:00")  # someone else's
    past = Booking.objects.create(
        resource=room,
        member=paid,
        starts_at=services.local_datetime(in_days(-3), at("10:00")),
        ends_at=services.local_datetime(in_days(-3), at("11:00")),
    )
    response = paid_client.get(reverse("workspaces:my_bookings"))
    assert [b.pk for b, _can in response.context["rows"]] == [upcoming.pk]
    assert response.context["rows"][0][1] is True  # it can still be cancelled
    html = response.content.decode()
    assert "10:00–12:00" in html and 'class="status status-booking-active">Booked<' in html
    response = paid_client.get(reverse("workspaces:my_bookings"), {"when": "past"})
    assert [b.pk for b, _can in response.context["rows"]] == [past.pk]


def test_my_bookings_paginate_keep_the_tab_and_a_fixed_number_of_queries(
    paid_client, paid, location, django_assert_max_num_queries
):
    url = reverse("workspaces:my_bookings") + "?when=past"
    room = ResourceFactory(location=location)

    def past(n: int) -> None:
        Booking.objects.create(
            resource=room,
            member=paid,
            starts_at=services.local_datetime(in_days(-1 - n), at("10:00")),
            ends_at=services.local_datetime(in_days(-1 - n), at("11:00")),
        )

    past(0)
    few = _count(django_assert_max_num_queries, paid_client, url)
    for n in range(1, 25):
        past(n)
    many = _count(django_assert_max_num_queries, paid_client, url)
    # session, user, language, member, count, page of bookings, calendar feed
    assert many == few == 7
    html = paid_client.get(url).content.decode()
    assert "?when=past&amp;page=2" in html


def test_another_members_booking_answers_404(paid, paid_other, room):
    booking = book(paid, room, in_days(3), "10:00", "12:00")
    client = logged_in(paid_other.user)
    assert client.get(reverse("workspaces:booking", args=[booking.pk])).status_code == 404
    response = client.post(reverse("workspaces:booking_cancel", args=[booking.pk]))
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_cancel_from_the_booking_page(paid_client, paid, room):
    booking = book(paid, room, in_days(3), "10:00", "12:00")
    page = paid_client.get(reverse("workspaces:booking", args=[booking.pk])).content.decode()
    assert "Cancelling cannot be undone" in page
    response = paid_client.post(reverse("workspaces:booking_cancel", args=[booking.pk]))
    assert response["Location"] == reverse("workspaces:my_bookings")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    again = paid_client.post(reverse("workspaces:booking_cancel", args=[booking.pk]), follow=True)
    assert "This booking is already cancelled." in again.content.decode()


# --- The calendar feed ----------------------------------------------------------------------------


def test_calendar_feed_create_read_renew_revoke(paid_client, paid, paid_other, room):
    mine = book(paid, room, in_days(3), "10:00", "12:00")
    cancelled = book(paid, room, in_days(4), "10:00", "12:00")
    services.booking_cancel(booking=cancelled, member=paid, acting_user=paid.user)
    theirs = book(paid_other, room, in_days(3), "12:00", "13:00")
    response = paid_client.post(reverse("workspaces:feed_manage"), {"action": "renew"})
    assert response["Location"].endswith("#calendar-feed")
    feed = CalendarFeed.objects.get(member=paid)
    page = paid_client.get(reverse("workspaces:my_bookings")).content.decode()
    url = reverse("workspaces:feed", args=[feed.token])
    assert f"http://testserver{url}" in page

    anonymous = Client()  # calendar apps do not log in: the token is the key
    ics = anonymous.get(url)
    assert ics.status_code == 200
    assert ics["Content-Type"] == "text/calendar; charset=utf-8"
    body = ics.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    uids = re.findall(r"UID:booking-(\d+)@", body)
    assert sorted(map(int, uids)) == sorted([mine.pk, cancelled.pk])
    assert theirs.pk not in map(int, uids)
    assert body.count("STATUS:CANCELLED") == 1

    assert anonymous.get(reverse("workspaces:feed", args=["wrong-token"])).status_code == 404
    paid_client.post(reverse("workspaces:feed_manage"), {"action": "renew"})
    assert anonymous.get(url).status_code == 404  # the old address is revoked
    new = CalendarFeed.objects.get(member=paid, revoked_at__isnull=True)
    assert anonymous.get(reverse("workspaces:feed", args=[new.token])).status_code == 200
    paid_client.post(reverse("workspaces:feed_manage"), {"action": "revoke"})
    assert anonymous.get(reverse("workspaces:feed", args=[new.token])).status_code == 404
    assert (
        "Create my calendar address"
        in paid_client.get(reverse("workspaces:my_bookings")).content.decode()
    )


def test_grid_shows_a_maintenance_block_over_several_days_and_off_the_slot_grid(paid_client, room):
    staff = StaffFactory()
    first = in_days(8)
    services.maintenance_block_create(
        resource=room,
        starts_at=services.local_datetime(first, at("18:15")),
        ends_at=services.local_datetime(first + datetime.timedelta(days=2), at("09:45")),
        note="floor",
        acting_user=staff,
    )
    url = reverse("workspaces:location", args=["brussels"])
    days = []
    for offset in range(3):
        response = paid_client.get(url, {"date": (first + datetime.timedelta(days=offset))})
        days.append(
            [
                (s.state, f"{s.start:%H:%M}", s.slots)
                for s in response.context["grid"].rows[0].cells[0]
            ]
        )
    assert days[0][-1] == ("maintenance", "18:00", 4)  # 18:00-20:00: the slot 18:00 is touched
    assert days[1] == [("maintenance", "08:00", 24)]
    assert days[2][0] == ("maintenance", "08:00", 4) and days[2][1][0] == "free"
