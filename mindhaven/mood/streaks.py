"""Streaks, for members who ask for them: pure functions over local dates.

Forgiving by design (streak pressure is a known complaint, USERS.md): a day counts
when it has at least one check-in, in the member's own local dates; a single missed
day between two such days does not break a streak (the grace day), two in a row do.
Today is never held against anyone: a streak whose last day was yesterday, or the day
before with yesterday as its grace day, is still current until today is over.
The length of a streak is the number of days with a check-in in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

GRACE_DAYS = 1


@dataclass(frozen=True)
class Streak:
    current: int  # days with a check-in in the streak still going today; 0 if none
    longest: int  # the same for the longest streak ever, the current one included


def local_days(instants: Iterable[datetime], zone: ZoneInfo) -> set[date]:
    """The member's local dates that have at least one check-in."""
    return {instant.astimezone(zone).date() for instant in instants}


def compute_streak(days: Iterable[date], today: date, grace_days: int = GRACE_DAYS) -> Streak:
    """Current and longest streak of `days` as of the member's local `today`.

    Days after `today` (a clock ahead, an entry dated tomorrow) are left out.
    """
    ordered = sorted(day for day in set(days) if day <= today)
    if not ordered:
        return Streak(current=0, longest=0)
    longest = run = 1
    for previous, day in pairwise(ordered):
        missed = (day - previous).days - 1
        run = run + 1 if missed <= grace_days else 1
        longest = max(longest, run)
    # Still going: only grace days (and today, which is not over) since the last one.
    alive = (today - ordered[-1]).days - 1 <= grace_days
    return Streak(current=run if alive else 0, longest=longest)
