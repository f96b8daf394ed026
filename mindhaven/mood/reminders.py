"""When a daily reminder is due: pure functions of a wall-clock time and an IANA zone.

The member chooses a local time ("09:00") in their own zone; each day's reminder is
that wall-clock time on that local date, so it stays at 09:00 across daylight-saving
changes. Two kinds of day need a rule:

- a local time that does not exist (the clocks jump from 01:00 to 02:00, and 01:30 is
  chosen) moves forward by the length of the gap (02:30), never back and never skipped;
- a local time that happens twice (the clocks go back from 02:00 to 01:00) is the
  first of the two, so the reminder comes once and as early as it can.

Every instant returned is aware and in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)
SNOOZE = timedelta(hours=1)
# A reminder found due later than this (the worker or cron was down) is not sent late.
LATE_LIMIT = timedelta(hours=3)


def _exists(local: datetime) -> bool:
    """Whether this aware local wall time occurs (is not in a daylight-saving gap)."""
    zone = local.tzinfo
    assert zone is not None
    back = local.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on local date `day` (gaps forward, repeats first).

    With fold=0, zoneinfo reads a time in a gap with the offset from before the change,
    which is the same as moving it forward by the gap (01:30 GMT is 02:30 BST), and a
    repeated time as its first occurrence.
    """
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The member's calendar date at this instant."""
    return instant.astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) of a local date; midnight itself may be in a gap."""
    return local_instant(day, time(0, 0), zone)


def next_reminder_at(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first reminder instant strictly after `now` for a daily reminder at `at`."""
    today = local_date(now, zone)
    for offset in (-1, 0, 1, 2):
        candidate = local_instant(today + timedelta(days=offset), at, zone)
        if candidate > now:
            return candidate
    raise AssertionError("a daily time always recurs within two days")  # pragma: no cover


@dataclass(frozen=True)
class Due:
    """Today's reminder for one member, as the task sees it at `now`."""

    local_date: date
    at: datetime  # when it is due, snooze included (UTC)
    is_due: bool


def todays_reminder(
    *,
    now: datetime,
    at: time,
    zone: ZoneInfo,
    snoozed_until: datetime | None = None,
    not_before: datetime | None = None,
) -> Due:
    """Whether the reminder of the member's current local date is due at `now`.

    A snooze moves it later; a snooze that reaches the next local day skips the day.
    A reminder already more than LATE_LIMIT overdue, or due before `not_before` (when
    the member last changed the schedule), is not due: it would only come at an odd time.
    """
    today = local_date(now, zone)
    due = local_instant(today, at, zone)
    if snoozed_until is not None and snoozed_until > due:
        due = snoozed_until
    tomorrow = start_of_day(today + ONE_DAY, zone)
    is_due = due <= now < due + LATE_LIMIT and due < tomorrow
    if not_before is not None and due < not_before:
        is_due = False
    return Due(local_date=today, at=due, is_due=is_due)


def snooze_until(*, now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """An hour after today's reminder, or after now when it has already come."""
    due = local_instant(local_date(now, zone), at, zone)
    return max(now, due) + SNOOZE


def skip_today_until(*, now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the member's next local day: no more reminders today."""
    return start_of_day(local_date(now, zone) + ONE_DAY, zone)
