"""The .ics writer: RFC 5545 escaping, line folding and CRLF line ends."""

import pytest

from tests.factories import LocationFactory, PaidMemberFactory, ResourceFactory
from tests.workspaces.conftest import book, in_days
from workspaces import ical

pytestmark = pytest.mark.django_db


def test_text_is_escaped_and_long_lines_folded_at_75_octets():
    location = LocationFactory(name="Liège; the “big” room, upstairs", street="Rue Saint-Gilles 58")
    room = ResourceFactory(location=location, name="Salle " + "é" * 60)
    booking = book(PaidMemberFactory(), room, in_days(1), "10:00", "11:00")
    data = ical.calendar([booking], name="Mine")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8")  # folds never split a character
    assert "Liège\\; the “big” room\\, upstairs" in unfolded
    assert "SUMMARY:Salle " + "é" * 60 + " at Liège\\;" in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 1
