"""Booking a workspace, in a real browser (issue 8, "Done when"): a member
with a paid share opens the Brussels location, books a meeting room for
tomorrow 10:00-12:00 without a page reload, sees it in "My bookings"; a
second member, who had the same slot's form open, fails to book it and gets
the friendly message; the first member cancels.

Both members pay their share through the share services first, as staff
would book their transfers. The cancellation deadline is set to two hours
(a new version of workspaces.cancellation_deadline, as the legal team would
publish it), so that cancelling tomorrow's booking works at any time of day:
the catalogue's 24 hours would refuse it after 10:00 today."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from members.models import ConsentKind, Member, Status
from shares import services as share_services
from tests.e2e.helpers import member_signs_in
from tests.factories import (
    LocationFactory,
    MemberFactory,
    ResourceFactory,
    StaffFactory,
)
from tests.workspaces.conftest import rule_from_today
from workspaces import services
from workspaces.models import Booking, BookingStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST = ("amira.benali@example.be", "Amira Benali")
SECOND = ("julien.lambert@example.be", "Julien Lambert")


def _paid_member(email: str, name: str) -> Member:
    member = MemberFactory(language="en", legal_name=name, user__email=email)
    subscription = share_services.share_subscribe(
        member=member, quantity=1, accepted=ConsentKind.values, acting_user=member.user
    )
    share_services.share_payment_register(
        subscription=subscription,
        amount=subscription.amount,
        value_date=timezone.localdate(),
        acting_user=StaffFactory(),
    )
    member.refresh_from_db()
    assert member.status == Status.MEMBER
    return member


def _open_tomorrow_meeting_rooms(page: Page, tomorrow: datetime.date) -> None:
    """On the location page: filter the grid to meeting rooms, tomorrow (htmx)."""
    main = page.get_by_role("main")
    main.get_by_label("Type").select_option("meeting_room")
    expect(main.get_by_role("link", name="Book Desk 1 at 10:00")).to_have_count(0)
    main.get_by_label("Date", exact=True).fill(tomorrow.isoformat())
    cell = main.get_by_role("link", name="Book Meeting room Horta at 10:00")
    expect(cell).to_have_attribute("href", re.compile(f"day={tomorrow.isoformat()}"))


def test_book_see_collide_and_cancel(live_server, page: Page, browser: Browser) -> None:
    base = live_server.url
    first = _paid_member(*FIRST)
    second = _paid_member(*SECOND)
    location = LocationFactory(name="Brussels", slug="brussels")
    room = ResourceFactory(location=location, name="Meeting room Horta", capacity=8)
    ResourceFactory(location=location, name="Desk 1", kind="desk", capacity=1)
    LocationFactory(name="Liège", slug="liege", city="Liège")
    rule_from_today(services.CANCELLATION_DEADLINE, "PT2H")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    main = page.get_by_role("main")

    # --- The first member finds the Brussels location ------------------------------------
    member_signs_in(page, base, *FIRST)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workspaces").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workspaces")
    main.get_by_role("link", name="Brussels", exact=True).click()
    expect(page).to_have_url(f"{base}/workspaces/locations/brussels/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Brussels")
    expect(main).to_contain_text("Step-free entrance and lift.")
    _open_tomorrow_meeting_rooms(page, tomorrow)
    expect(page).to_have_url(re.compile(rf"kind=meeting_room.*date={tomorrow}|date={tomorrow}"))

    # --- The second member opens the same slot's form at the same time --------------------
    other = browser.new_context(locale="en-US", timezone_id="Europe/Brussels").new_page()
    member_signs_in(other, base, *SECOND)
    other.goto(f"{base}/workspaces/locations/brussels/")
    _open_tomorrow_meeting_rooms(other, tomorrow)
    other.get_by_role("link", name="Book Meeting room Horta at 10:00").click()
    other_panel = other.locator("#booking-panel")
    expect(other_panel.get_by_label("From")).to_have_value("10:00")

    # --- The first member books 10:00-12:00 without a page reload ------------------------
    page.evaluate("window.notReloaded = true")
    main.get_by_role("link", name="Book Meeting room Horta at 10:00").click()
    panel = page.locator("#booking-panel")
    expect(panel.get_by_label("Resource")).to_have_value(str(room.pk))
    expect(panel.get_by_label("Day")).to_have_value(tomorrow.isoformat())
    expect(panel.get_by_label("From")).to_have_value("10:00")
    expect(panel.get_by_label("Until")).to_have_value("10:30")  # one slot: extend it
    panel.get_by_label("Until").fill("12:00")
    panel.get_by_role("button", name="Book").click()
    expect(panel.get_by_role("status")).to_contain_text("Booked.")
    expect(panel.get_by_role("status")).to_contain_text("10:00–12:00")
    # The grid refreshed itself: the two hours are the member's now.
    yours = main.locator("td.slot-yours")
    expect(yours).to_have_count(1)
    expect(yours).to_have_text("Yours")
    expect(yours).to_have_attribute("colspan", "4")
    assert page.evaluate("window.notReloaded") is True
    booking = Booking.objects.get(member=first)
    assert booking.local_start.replace(tzinfo=None) == datetime.datetime.combine(
        tomorrow, datetime.time(10)
    )
    assert booking.local_end.time() == datetime.time(12)

    # --- ... and sees it in "My bookings" ----------------------------------------------
    panel.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    row = main.get_by_role("row").filter(has_text="Meeting room Horta")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("10:00–12:00")
    expect(row).to_contain_text("Brussels")
    expect(row).to_contain_text("Booked")

    # --- The second member's click comes too late: the friendly message ---------------
    other_panel.get_by_label("Until").fill("12:00")
    other_panel.get_by_role("button", name="Book").click()
    alert = other_panel.get_by_role("alert")
    expect(alert).to_contain_text("Meeting room Horta is already booked at that time")
    expect(other_panel.get_by_label("Until")).to_have_value("12:00")  # the input is kept
    assert not Booking.objects.filter(member=second).exists()
    other.context.close()

    # --- The first member cancels -----------------------------------------------------------
    row.get_by_role("link", name="Cancel…").click()
    expect(main).to_contain_text("Cancelling cannot be undone")
    main.get_by_role("button", name="Cancel this booking").click()
    expect(page).to_have_url(f"{base}/workspaces/bookings/")
    expect(page.get_by_role("status")).to_contain_text("Your booking is cancelled.")
    expect(main.get_by_role("row").filter(has_text="Meeting room Horta")).to_contain_text(
        "Cancelled"
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
