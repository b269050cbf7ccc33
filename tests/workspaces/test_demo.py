"""seed_demo's workspaces: the four locations, resources, hours, closures and
bookings that hold every booking rule (no overlap, opening hours, quota)."""

import datetime
from collections import Counter

import pytest
from django.db import connection

from tests.factories import PaidMemberFactory
from workspaces import demo, services
from workspaces.models import TIME_ZONE, Booking, Closure, Location, OpeningHours, Resource

pytestmark = pytest.mark.django_db


def test_belgian_public_holidays():
    days = dict(demo.belgian_public_holidays(2027))
    assert days[datetime.date(2027, 3, 29)] == "Easter Monday"
    assert days[datetime.date(2027, 5, 6)] == "Ascension Day"
    assert days[datetime.date(2027, 5, 17)] == "Whit Monday"
    assert days[datetime.date(2027, 7, 21)] == "Belgian National Day"


def test_seed_workspaces_makes_realistic_bookings_that_hold_the_rules():
    for _ in range(40):
        PaidMemberFactory()
    counts = demo.seed_workspaces(bookings=1500, log=lambda _message: None)
    assert {loc.name for loc in Location.objects.all()} >= {"Brussels", "Liège", "Ghent", "Antwerp"}
    assert counts["resources"] == Resource.objects.count() > 50
    assert OpeningHours.objects.count() and Closure.objects.count()
    bookings = list(Booking.objects.select_related("resource__location"))
    assert 1000 < len(bookings) == counts["bookings"] < 2000
    now = datetime.datetime.now(datetime.UTC)
    assert any(b.starts_at < now for b in bookings) and any(b.starts_at > now for b in bookings)
    hours = {(h.location_id, h.weekday): (h.opens, h.closes) for h in OpeningHours.objects.all()}
    per_week: Counter[tuple[int | None, datetime.date]] = Counter()
    for b in bookings:
        start, end = b.local_start, b.local_end
        opens, closes = hours[(b.resource.location_id, start.weekday())]
        assert start.date() == end.date() and opens <= start.time() and end.time() <= closes
        assert (
            b.rules_used
            == services.booking_rules(b.created_at.astimezone(TIME_ZONE).date()).provenance()
        )
        if b.status == "active":
            per_week[(b.member_id, start.date() - datetime.timedelta(days=start.weekday()))] += 1
    assert max(per_week.values()) <= 5
    with connection.cursor() as cursor:  # the self-join overlap check of the benchmark
        cursor.execute(
            "SELECT count(*) FROM workspaces_booking a JOIN workspaces_booking b"
            " ON a.resource_id = b.resource_id AND a.id < b.id"
            " AND a.status = 'active' AND b.status = 'active'"
            " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
        assert cursor.fetchone()[0] == 0
    # Running it again adds nothing.
    assert demo.seed_workspaces(bookings=1500, log=lambda _message: None)["bookings"] == 0
    assert Booking.objects.count() == len(bookings)
