"""Working days and hours in Sweden: no nudge on a holiday, a weekend or outside office hours, and no
working day counted on one (the feedback promise is counted in working days).

`holidays.Sweden` with PUBLIC *and* DE_FACTO, because midsommarafton, julafton and nyårsafton are not
public holidays by law, yet nobody wants a prompt at work on them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays import DE_FACTO, PUBLIC

from storage.models import as_utc


@lru_cache(maxsize=64)
def _swedish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Sweden(years=year, categories=(PUBLIC, DE_FACTO))


def is_holiday(day: date) -> bool:
    return day in _swedish_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def within_working_hours(moment: datetime, timezone: str, start_hour: int, end_hour: int) -> bool:
    """True on a working day between `start_hour` (inclusive) and `end_hour` (exclusive), local time."""
    local = as_utc(moment).astimezone(ZoneInfo(timezone))
    return is_working_day(local.date()) and start_hour <= local.hour < end_hour


def add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_before(day: date, count: int) -> date:
    """The date `count` working days before `day`: an idea created before it has waited longer."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    """Monday of an ISO week written "2026-W14"."""
    year, _, number = week.upper().partition("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def local_midnight_utc(day: date, timezone: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@lru_cache(maxsize=256)
def _year_index(year: int) -> tuple[int, tuple[int, ...]]:
    """(working days in the years 2000..year-1, running count of working days through each day of `year`)."""
    before = 0 if year <= 2000 else _year_index(year - 1)[0] + _year_index(year - 1)[1][-1]
    running, count, day = [], 0, date(year, 1, 1)
    while day.year == year:
        count += is_working_day(day)
        running.append(count)
        day += timedelta(days=1)
    return before, tuple(running)


def working_index(day: date) -> int:
    """Working days from 2000-01-01 through `day`: differences of two indexes count working days between."""
    before, running = _year_index(day.year)
    return before + running[day.timetuple().tm_yday - 1]


def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end (0 when end is not after start): answered the day after a
    Friday capture counts 1 on Monday, the same day 0."""
    return max(0, working_index(end) - working_index(start))
