"""Dates around the spring daylight-saving changes, for booking tests.

The US changes on the second Sunday of March, the UK on the last: for two or three
weeks London is UTC+0 while New York is already UTC-4. Tests use the next March that
is at least a week ahead, so that they hold whenever they run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def _sunday_on_or_after(day: date) -> date:
    return day + timedelta(days=(6 - day.weekday()) % 7)


def spring_mondays(today: date | None = None) -> tuple[date, date, date]:
    """Three Mondays: before the US change, between the two changes, after the UK one."""
    today = today or datetime.now(UTC).date()
    year = today.year if today < date(today.year, 3, 1) - timedelta(days=7) else today.year + 1
    us_change = _sunday_on_or_after(date(year, 3, 8))  # the second Sunday of March
    uk_change = _sunday_on_or_after(date(year, 3, 25))  # the last Sunday of March
    return us_change - timedelta(days=6), us_change + timedelta(days=1), uk_change + timedelta(1)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    """The UTC instant of a wall-clock time in `zone`."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
