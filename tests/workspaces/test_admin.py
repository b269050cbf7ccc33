"""The workspaces back office: locations with opening hours, closures and
resources; a location's bookings per day; cancelling on a member's behalf
(with an email); maintenance blocks. Custom views check their permission."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from tests.helpers import staff_client
from tests.workspaces.conftest import book, in_days
from workspaces.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db


def test_changelists_and_location_form_render(room, paid):
    book(paid, room, in_days(2), "10:00", "11:00")
    client, _staff = staff_client(
        "view_location",
        "change_location",
        "view_resource",
        "view_closure",
        "view_booking",
        "view_maintenanceblock",
        "view_openinghours",
        app_label="workspaces",
    )
    for name in ("location", "resource", "closure", "booking", "maintenanceblock"):
        response = client.get(reverse(f"admin:workspaces_{name}_changelist"))
        assert response.status_code == 200, name
    change = client.get(reverse("admin:workspaces_location_change", args=[room.location.pk]))
    html = change.content.decode()
    assert "Opening hours" in html and "Closures" in html and "Meeting room Horta" in html


def test_bookings_per_day_needs_the_view_permission(room, paid):
    url = reverse("admin:workspaces_location_day", args=[room.location.pk])
    viewer, _viewer = staff_client("view_location", app_label="workspaces")
    assert viewer.get(url).status_code == 403
    day = in_days(2)
    booking = book(paid, room, day, "10:00", "11:00")
    book(paid, room, in_days(3), "10:00", "11:00")  # another day
    reader, _reader = staff_client("view_booking", app_label="workspaces")
    response = reader.get(url, {"day": day.isoformat()})
    assert response.status_code == 200
    assert list(response.context["bookings"]) == [booking]
    assert "Cancel on behalf" not in response.content.decode()  # no change permission
    changer, _changer = staff_client("view_booking", "change_booking", app_label="workspaces")
    html = changer.get(url, {"day": day.isoformat()})
    assert reverse("admin:workspaces_booking_cancel", args=[booking.pk]) in html.content.decode()


def test_cancel_on_behalf_asks_why_and_tells_the_member(
    room, paid, django_capture_on_commit_callbacks
):
    booking = book(paid, room, in_days(2), "10:00", "11:00")
    url = reverse("admin:workspaces_booking_cancel", args=[booking.pk])
    viewer, _viewer = staff_client("view_booking", app_label="workspaces")
    assert viewer.get(url).status_code == 403
    client, _staff = staff_client("view_booking", "change_booking", app_label="workspaces")
    mail.outbox.clear()
    refused = client.post(url, {"reason": ""})
    assert "This field is required." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "The room is flooded"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancellation_reason == "The room is flooded"
    assert [m.to for m in mail.outbox] == [[paid.user.email]]
    again = client.post(url, {"reason": "twice"})
    assert "This booking is already cancelled." in again.content.decode()


def test_maintenance_block_from_the_admin(room, paid):
    day = in_days(4)
    book(paid, room, day, "10:00", "11:00")
    url = reverse("admin:workspaces_maintenanceblock_add")
    viewer, _viewer = staff_client("view_maintenanceblock", app_label="workspaces")
    assert viewer.get(url).status_code == 403
    client, _staff = staff_client(
        "view_maintenanceblock", "add_maintenanceblock", app_label="workspaces"
    )
    assert client.get(url).status_code == 200
    data = {
        "resource": room.pk,
        "starts_at_0": day.isoformat(),
        "starts_at_1": "08:00",
        "ends_at_0": day.isoformat(),
        "ends_at_1": "12:00",
        "note": "new carpet",
    }
    refused = client.post(url, data)
    assert "Members have booked Meeting room Horta in that time" in refused.content.decode()
    data.update(starts_at_1="12:00", ends_at_1="18:00")
    response = client.post(url, data)
    assert response.status_code == 302
    block = Booking.objects.get(kind="maintenance")
    assert (block.local_start.hour, block.local_end.hour, block.note) == (12, 18, "new carpet")
    changelist = reverse("admin:workspaces_maintenanceblock_changelist")
    client.post(changelist, {"action": "lift", ACTION_CHECKBOX_NAME: [block.pk]})
    block.refresh_from_db()
    assert block.status == BookingStatus.CANCELLED
