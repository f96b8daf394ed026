"""Bookable slots: a clinician's weekly windows expanded per date, in their own zone.

Pure functions of the booking rules, the windows and exceptions, what is already
booked and `now`; no database access, so that they are easy to test across
daylight-saving changes.

The rule: a window is wall-clock time in the clinician's zone ("Monday 09:00-12:00
Europe/London"). Each date is expanded on its own, so the 09:00 slot is at 09:00 London
time in winter (09:00 UTC) and in summer (08:00 UTC). Slots start at the window's start
and every `slot_minutes + buffer_minutes` after it, while the session still ends inside
the window. A wall time that does not exist (the clocks jump forward) moves forward by
the gap; one that happens twice is the first of the two (as mood reminders do).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Rules:
    """The booking rules of one clinician (a ClinicianProfile's fields)."""

    timezone: str
    slot_minutes: int = 50
    buffer_minutes: int = 10
    min_notice_hours: int = 24
    horizon_days: int = 180

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


@dataclass(frozen=True)
class Window:
    """A weekly window: weekday 0 is Monday; local wall-clock times, end after start."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class DateChange:
    """A change on one local date: `extra` hours, or `unavailable` (whole day if no times)."""

    date: date
    kind: str  # "unavailable" or "extra"
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime


def is_known_zone(name: str) -> bool:
    if not name or name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on local date `day` (gaps forward, repeats first)."""
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return local_instant(day, time(0, 0), zone)


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def windows_on(
    day: date, windows: Iterable[Window], exceptions: Iterable[DateChange]
) -> list[tuple[int, int]]:
    """The available local intervals of one date, in minutes after midnight."""
    intervals = [
        (_minutes(w.start), _minutes(w.end)) for w in windows if w.weekday == day.weekday()
    ]
    todays = [e for e in exceptions if e.date == day]
    for extra in todays:
        if extra.kind == "extra" and extra.start is not None and extra.end is not None:
            intervals.append((_minutes(extra.start), _minutes(extra.end)))
    for off in todays:
        if off.kind != "unavailable":
            continue
        if off.start is None or off.end is None:
            return []
        cut_start, cut_end = _minutes(off.start), _minutes(off.end)
        kept: list[tuple[int, int]] = []
        for start, end in intervals:
            if end <= cut_start or start >= cut_end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if end > cut_end:
                kept.append((cut_end, end))
        intervals = kept
    return sorted(intervals)


def slots_on(
    day: date, rules: Rules, windows: Iterable[Window], exceptions: Iterable[DateChange]
) -> list[Slot]:
    """Every slot of one local date of the clinician, booked or not, past or not."""
    zone = rules.zone
    step = rules.slot_minutes + rules.buffer_minutes
    found: set[Slot] = set()
    for start, end in windows_on(day, windows, exceptions):
        at = start
        while at + rules.slot_minutes <= end:
            begins = local_instant(day, _clock(at), zone)
            found.add(Slot(begins, begins + rules.length))
            at += step
    return sorted(found)


def _overlaps(slot: Slot, busy: Sequence[tuple[datetime, datetime]], buffer: timedelta) -> bool:
    return any(slot.start < end + buffer and start < slot.end + buffer for start, end in busy)


def bookable_window(rules: Rules, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the latest (exclusive) start a member may book at `now`."""
    return now + timedelta(hours=rules.min_notice_hours), now + timedelta(days=rules.horizon_days)


def free_slots(
    *,
    rules: Rules,
    windows: Sequence[Window],
    exceptions: Sequence[DateChange],
    busy: Sequence[tuple[datetime, datetime]],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Slot]:
    """The slots starting in [start, end) that can be booked at `now`.

    Outside minimum notice and horizon, and any slot within the buffer of a `busy`
    interval (the clinician's booked appointments), are left out.
    """
    zone = rules.zone
    earliest, latest = bookable_window(rules, now)
    start, end = max(start, earliest), min(end, latest)
    if start >= end:
        return []
    day = start.astimezone(zone).date() - ONE_DAY
    last = end.astimezone(zone).date() + ONE_DAY
    result: list[Slot] = []
    while day <= last:
        for slot in slots_on(day, rules, windows, exceptions):
            if start <= slot.start < end and not _overlaps(slot, busy, rules.buffer):
                result.append(slot)
        day += ONE_DAY
    return sorted(set(result))


def slot_at(
    when: datetime, rules: Rules, windows: Sequence[Window], exceptions: Sequence[DateChange]
) -> Slot | None:
    """The slot that starts exactly at `when`, if the weekly pattern has one."""
    day = when.astimezone(rules.zone).date()
    for candidate in (day - ONE_DAY, day, day + ONE_DAY):
        for slot in slots_on(candidate, rules, windows, exceptions):
            if slot.start == when:
                return slot
    return None
