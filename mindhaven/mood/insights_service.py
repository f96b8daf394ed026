"""A member's insights: load their check-ins, run mood.insights, cache, and word the results.

Days are the member's LOCAL dates, taken from each entry's own stored offset
(`recorded_offset_minutes`): the calendar day the person was living when they checked
in, also while travelling, and the day their history shows it on. The member's current
time zone is not used, so moving house never reshuffles old days.

The numbers are cached under the member and a data version (count, latest update and
latest id of their entries): any check-in, edit, delete or import changes the key, so
results are recomputed on the next read and stale ones simply expire. Summaries are
worded at read time, in the reader's language, and never cached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mindhaven.accounts.models import User
from mindhaven.mood import insights
from mindhaven.mood.insights import Finding
from mindhaven.mood.models import MoodEntry

CACHE_VERSION = 1  # bump when the statistics change, so that old results are not reused
CACHE_TIMEOUT = 7 * 24 * 3600
MIN_DAYS = insights.MIN_DAYS
MIN_SLEEP_DAYS = insights.MIN_SLEEP_DAYS

WEEKDAY_NAMES = {
    "monday": gettext_lazy("Mondays"),
    "tuesday": gettext_lazy("Tuesdays"),
    "wednesday": gettext_lazy("Wednesdays"),
    "thursday": gettext_lazy("Thursdays"),
    "friday": gettext_lazy("Fridays"),
    "saturday": gettext_lazy("Saturdays"),
    "sunday": gettext_lazy("Sundays"),
}


@dataclass(frozen=True)
class Report:
    entries_considered: int
    findings: tuple[Finding, ...]

    @property
    def insights(self) -> list[Finding]:
        return [f for f in self.findings if f.is_insight]

    @property
    def explored(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_insight]


def data_version(member: User) -> str:
    """Changes whenever any of the member's entries is added, changed or deleted."""
    summary = MoodEntry.objects.filter(member=member).aggregate(
        n=Count("id"), updated=Max("updated_at"), last=Max("id")
    )
    updated = summary["updated"].timestamp() if summary["updated"] else 0
    return f"{summary['n']}.{updated:.6f}.{summary['last'] or 0}"


def _cache_key(member: User) -> str:
    return f"mood.insights.{CACHE_VERSION}.{member.pk}.{data_version(member)}"


def load_checkins(
    member: User,
) -> tuple[list[int], list[float], list[list[str]], list[float | None]]:
    """The member's check-ins as (local date ordinal, mood, activity names, hours of sleep)."""
    rows = MoodEntry.objects.filter(member=member).values_list(
        "recorded_at", "recorded_offset_minutes", "mood", "activities", "sleep_hours"
    )
    days: list[int] = []
    moods: list[float] = []
    activities: list[list[str]] = []
    sleep: list[float | None] = []
    for recorded_at, offset, mood, names, hours in rows:
        days.append((recorded_at + timedelta(minutes=offset)).date().toordinal())
        moods.append(mood)
        activities.append([name for name in names or [] if isinstance(name, str)])
        sleep.append(hours)
    return days, moods, activities, sleep


def compute_report(member: User) -> Report:
    """Run every test on the member's check-ins, without the cache."""
    days, moods, activities, sleep = load_checkins(member)
    findings = insights.member_findings(days, moods, activities, sleep)
    return Report(entries_considered=len(days), findings=tuple(findings))


def get_report(member: User) -> Report:
    """The member's insights, from the cache while their entries are unchanged."""
    key = _cache_key(member)
    report = cache.get(key)
    if not isinstance(report, Report):
        report = compute_report(member)
        cache.set(key, report, CACHE_TIMEOUT)
    return report


# --- words ---------------------------------------------------------------------------


def _number(value: float, decimals: int) -> str:
    return number_format(round(value, decimals) + 0.0, decimal_pos=decimals)


def summary(finding: insights.Finding) -> str:
    """One plain sentence with the size, the 95% CI and the days behind it; no causal words.

    A negative effect is worded as "lower", and its interval as the size of the drop.
    """
    higher = finding.effect >= 0
    low, high = finding.ci if higher else (-finding.ci[1], -finding.ci[0])
    decimals = 1 if abs(finding.effect) >= 0.05 else 2
    values = {
        "factor": finding.factor,
        "effect": _number(abs(finding.effect), decimals),
        "low": _number(low, decimals),
        "high": _number(high, decimals),
        "n_with": finding.n_with,
        "n_without": finding.n_without,
    }
    if finding.kind == insights.ACTIVITY and finding.lag_days == 0:
        text = (
            _(
                "On days with %(factor)s your mood was about %(effect)s points higher "
                "(95%% CI %(low)s to %(high)s; %(n_with)d days with, %(n_without)d without)."
            )
            if higher
            else _(
                "On days with %(factor)s your mood was about %(effect)s points lower "
                "(95%% CI %(low)s to %(high)s; %(n_with)d days with, %(n_without)d without)."
            )
        )
    elif finding.kind == insights.ACTIVITY:
        text = (
            _(
                "On days after %(factor)s your mood was about %(effect)s points higher "
                "(95%% CI %(low)s to %(high)s; %(n_with)d days after it, "
                "%(n_without)d after days without it)."
            )
            if higher
            else _(
                "On days after %(factor)s your mood was about %(effect)s points lower "
                "(95%% CI %(low)s to %(high)s; %(n_with)d days after it, "
                "%(n_without)d after days without it)."
            )
        )
    elif finding.kind == insights.KIND_SLEEP:
        text = (
            _(
                "Each extra hour of sleep went with about %(effect)s points higher mood "
                "the same day (95%% CI %(low)s to %(high)s; %(n_with)d days)."
            )
            if higher
            else _(
                "Each extra hour of sleep went with about %(effect)s points lower mood "
                "the same day (95%% CI %(low)s to %(high)s; %(n_with)d days)."
            )
        )
    elif finding.kind == insights.KIND_WEEKDAY:
        values["factor"] = str(WEEKDAY_NAMES.get(finding.factor, finding.factor))
        text = (
            _(
                "On %(factor)s your mood was about %(effect)s points higher than on other "
                "days (95%% CI %(low)s to %(high)s; %(n_with)d %(factor)s, "
                "%(n_without)d other days)."
            )
            if higher
            else _(
                "On %(factor)s your mood was about %(effect)s points lower than on other "
                "days (95%% CI %(low)s to %(high)s; %(n_with)d %(factor)s, "
                "%(n_without)d other days)."
            )
        )
    else:
        text = (
            _(
                "In the 30 days up to your latest check-in your mood was about %(effect)s "
                "points higher than in the 30 days before (95%% CI %(low)s to %(high)s; "
                "%(n_with)d and %(n_without)d days with check-ins)."
            )
            if higher
            else _(
                "In the 30 days up to your latest check-in your mood was about %(effect)s "
                "points lower than in the 30 days before (95%% CI %(low)s to %(high)s; "
                "%(n_with)d and %(n_without)d days with check-ins)."
            )
        )
    return text % values


def as_dict(finding: insights.Finding) -> dict[str, object]:
    """The API's shape of one finding, with its summary in the active language."""
    return {
        "factor": finding.factor,
        "kind": finding.kind,
        "lag_days": finding.lag_days,
        "effect": finding.effect,
        "ci": [finding.ci[0], finding.ci[1]],
        "p_value": finding.p_value,
        "q_value": finding.q_value,
        "n_with": finding.n_with,
        "n_without": finding.n_without,
        "summary": summary(finding),
    }


# --- the page ------------------------------------------------------------------------

PLOT_WIDTH = 240
PLOT_MARGIN = 12


@dataclass(frozen=True)
class Shown:
    """A finding as the page shows it: its sentence, a label, and its interval plot."""

    finding: insights.Finding
    summary: str
    label: str
    effect: str
    low: str
    high: str
    # x coordinates in the SVG, as plain numbers (never localised).
    x_zero: str
    x_low: str
    x_high: str
    x_effect: str
    bound: str


def label(finding: insights.Finding) -> str:
    if finding.kind == insights.ACTIVITY and finding.lag_days == 0:
        return _("%(factor)s, same day") % {"factor": finding.factor}
    if finding.kind == insights.ACTIVITY:
        return _("%(factor)s, next day") % {"factor": finding.factor}
    if finding.kind == insights.KIND_SLEEP:
        return _("Hours of sleep (per hour)")
    if finding.kind == insights.KIND_WEEKDAY:
        return str(WEEKDAY_NAMES.get(finding.factor, finding.factor))
    return _("The latest 30 days against the 30 before")


def shown(finding: insights.Finding) -> Shown:
    low, high = finding.ci
    # A symmetric axis around 0, in steps of half a point, that holds the interval.
    bound = max(0.5, math.ceil(max(abs(low), abs(high)) * 2) / 2)
    span = PLOT_WIDTH - 2 * PLOT_MARGIN

    def x(value: float) -> str:
        return f"{PLOT_MARGIN + (value + bound) / (2 * bound) * span:.1f}"

    return Shown(
        finding=finding,
        summary=summary(finding),
        label=label(finding),
        effect=_number(finding.effect, 2),
        low=_number(low, 2),
        high=_number(high, 2),
        x_zero=x(0.0),
        x_low=x(low),
        x_high=x(high),
        x_effect=x(finding.effect),
        bound=_number(bound, 1),
    )
