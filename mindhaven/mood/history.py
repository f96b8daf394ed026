"""Looking back: entries grouped by the member's local day, the calendar month, and filters.

Days are the member's days: an entry at 23:30 in Madrid belongs to that evening even
though it is stored in UTC. Everything here reads; nothing writes.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mindhaven.mood.models import MoodEntry

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
TREND_PERIODS = (30, 90, 365)
DEFAULT_TREND_DAYS = 90


def mood_word(mean: float) -> str:
    """The word for a mean mood, rounded half up (3.5 reads as "good")."""
    level = min(5, max(1, int(mean + 0.5)))
    return str(MoodEntry.Mood(level).label)


def local_day(entry: MoodEntry, zone: ZoneInfo) -> date:
    return entry.recorded_at.astimezone(zone).date()


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the start of the day after `last`, in the member's zone."""
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


@dataclass
class Day:
    day: date
    moods: list[int] = field(default_factory=list)
    sleep: list[float] = field(default_factory=list)
    activities: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.moods)

    @property
    def mean(self) -> float | None:
        return sum(self.moods) / len(self.moods) if self.moods else None

    @property
    def mean_sleep(self) -> float | None:
        return sum(self.sleep) / len(self.sleep) if self.sleep else None

    @property
    def level(self) -> int | None:
        mean = self.mean
        return None if mean is None else min(5, max(1, int(mean + 0.5)))

    @property
    def word(self) -> str:
        mean = self.mean
        return "" if mean is None else mood_word(mean)


def days_between(
    entries: Iterable[MoodEntry], first: date, last: date, zone: ZoneInfo
) -> list[Day]:
    """One Day for each date from `first` to `last`, with the entries of that local day."""
    by_day: dict[date, Day] = {}
    current = first
    while current <= last:
        by_day[current] = Day(current)
        current += timedelta(days=1)
    for entry in entries:
        day = by_day.get(local_day(entry, zone))
        if day is None:
            continue
        day.moods.append(entry.mood)
        if entry.sleep_hours is not None:
            day.sleep.append(entry.sleep_hours)
        day.activities.update(entry.activities)
    return list(by_day.values())


def activity_days(days: Iterable[Day], limit: int = 15) -> list[tuple[str, int]]:
    """The activities on the most days, most first (ties by name)."""
    counts: Counter[str] = Counter()
    for day in days:
        counts.update(day.activities)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    return ranked[:limit]


# --- the calendar month --------------------------------------------------------------


def parse_month(value: str | None, today: date) -> tuple[date, bool]:
    """The first day of `?month=YYYY-MM`, or of this month and False when it cannot be read."""
    if not value:
        return today.replace(day=1), True
    match = MONTH_PATTERN.match(value.strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1900 <= year <= 9999:
            return date(year, month, 1), True
    return today.replace(day=1), False


def month_weeks(first: date, days: list[Day]) -> list[list[Day | None]]:
    """Weeks from Monday, each with seven cells; days outside the month are None."""
    by_date = {day.day: day for day in days}
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[by_date.get(d) if d.month == first.month else None for d in week] for week in weeks]


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- filters of the list ------------------------------------------------------------------


class EntryFilterForm(forms.Form):
    """Filters of the history list; each valid one applies, invalid ones are reported."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mood = forms.TypedChoiceField(
        label=_("Mood"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any mood")), *MoodEntry.Mood.choices],
    )
    activity = forms.ChoiceField(label=_("Activity"), required=False)

    def __init__(self, data: Any, *, activities: Iterable[str]) -> None:
        super().__init__(data)
        field = self.fields["activity"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any activity")), *((name, name) for name in activities)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def apply(self, entries: QuerySet[MoodEntry], zone: ZoneInfo) -> QuerySet[MoodEntry]:
        """The entries narrowed by every filter that is valid; invalid ones are skipped."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if data.get("start"):
            entries = entries.filter(
                recorded_at__gte=day_bounds(data["start"], data["start"], zone)[0]
            )
        if data.get("end"):
            entries = entries.filter(recorded_at__lt=day_bounds(data["end"], data["end"], zone)[1])
        if data.get("mood"):
            entries = entries.filter(mood=data["mood"])
        if data.get("activity"):
            entries = entries.filter(_has_activity(entries, data["activity"]))
        return entries

    @property
    def active(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


def _has_activity(entries: QuerySet[MoodEntry], name: str) -> Q:
    """Entries whose activities include `name` (JSON containment is not on SQLite)."""
    codes = [entry.code for entry in entries.only("code", "activities") if name in entry.activities]
    return Q(code__in=codes)


def activity_names(entries: QuerySet[MoodEntry], own: Iterable[str]) -> list[str]:
    """The member's activity list plus any name their entries use, once each."""
    names: dict[str, None] = dict.fromkeys(own)
    seen: defaultdict[str, int] = defaultdict(int)
    for activities in entries.values_list("activities", flat=True):
        for name in activities:
            seen[name] += 1
    for name in sorted(seen, key=str.casefold):
        names.setdefault(name, None)
    return list(names)
