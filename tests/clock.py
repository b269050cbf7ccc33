"""Time in the tests, controlled one way (decisions.md 15): time-machine moves
the clock that everything reads, in every thread (timezone.now(),
timezone.localdate(), auto_now fields), so services, views and tasks run as
they would on that day. No service takes a "today" only for the tests.

    with on(datetime.date(2026, 11, 20)):
        services.invoice_issue(invoice=draft, acting_user=user)

A date means noon in Brussels that day; a datetime is taken as it is. The
clock keeps ticking from there (timeouts and waits still see time pass).
"""

import contextlib
import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

BRUSSELS = ZoneInfo("Europe/Brussels")

# The day the invoicing tests run on, so numbers, deadlines and due dates do not
# depend on the day the suite runs (fixture `on_today`, tests/conftest.py).
TODAY = datetime.date(2026, 11, 20)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=BRUSSELS)


def on(
    moment: datetime.date | datetime.datetime,
) -> time_machine.travel | contextlib.nullcontext[None]:
    """Move the clock to `moment`. For a day the clock is already on, nothing
    moves: time keeps running forward within the day (so what happens later
    in a test is later, as a history's order expects)."""
    if not isinstance(moment, datetime.datetime):
        if timezone.localdate() == moment:
            return contextlib.nullcontext()
        moment = noon(moment)
    return time_machine.travel(moment, tick=True)
