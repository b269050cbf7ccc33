"""When a salary is paid: the work's last day plus so many Belgian working
days (rule pay.working_days_to_pay), skipping weekends and Belgian public
holidays as the `holidays` library knows them."""

import datetime
from functools import cache

import holidays


@cache
def _belgian_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _belgian_holidays(day.year)


def pay_date(last_work_day: datetime.date, *, working_days: int) -> datetime.date:
    day, left = last_work_day, working_days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
