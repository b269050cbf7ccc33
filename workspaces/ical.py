"""iCalendar (RFC 5545) for bookings: the .ics attached to the confirmation
email and the member's calendar feed. Written by hand: a VCALENDAR of
VEVENTs needs a few lines, escaped text and folded lines, not a library.

Times are written in UTC (the "Z" form), which every calendar app reads and
shows in its own zone; since each booking's instants were built from its
Brussels wall-clock time, the app shows that time in Brussels."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from workspaces.models import Booking, BookingStatus

PRODID = "-//smartcoop//Workspaces//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space,
    never cutting a UTF-8 character in two (RFC 5545, 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _host() -> str:
    return settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "smartcoop"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.pk}@{_host()}"


def _event(booking: Booking, stamp: datetime.datetime) -> list[str]:
    resource = booking.resource
    location = resource.location
    cancelled = booking.status == BookingStatus.CANCELLED
    summary = _("%(resource)s at %(location)s") % {
        "resource": resource.name,
        "location": location.name,
    }
    lines = [
        "BEGIN:VEVENT",
        f"UID:{booking_uid(booking)}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(booking.starts_at)}",
        f"DTEND:{_utc(booking.ends_at)}",
        # A cancellation is a new version of the same event.
        f"SEQUENCE:{1 if cancelled else 0}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(f'{location.name}, {location.address}')}",
        f"DESCRIPTION:{_escape(resource.get_kind_display() + ', ' + location.address)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def calendar(bookings: Iterable[Booking], *, name: str = "") -> bytes:
    """A VCALENDAR with one VEVENT per booking, CRLF line ends, UTF-8."""
    stamp = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{_escape(name)}")
    for booking in bookings:
        lines.extend(_event(booking, stamp))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
