"""Availability: a clinician's profile and booking rules, weekly windows in their own
time zone, days off and extra hours, and the free slots they leave (see care.slots)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from mindhaven.accounts.models import User
from mindhaven.care import slots
from mindhaven.care.models import (
    Appointment,
    AvailabilityException,
    ClinicianProfile,
    WeeklyWindow,
)
from mindhaven.care.permissions import is_linked

MAX_WINDOWS = 70
MAX_EXCEPTIONS = 400
LIMITS = {
    "slot_minutes": (10, 240),
    "buffer_minutes": (0, 120),
    "min_notice_hours": (0, 24 * 30),
    "horizon_days": (1, 730),
    "cancel_notice_hours": (0, 24 * 14),
}


# --- reading the rules ------------------------------------------------------------------


def get_profile(clinician: User) -> ClinicianProfile:
    """The clinician's own profile, created with the defaults on first use."""
    profile, _created = ClinicianProfile.objects.get_or_create(
        clinician=clinician, defaults={"timezone": clinician.timezone or "UTC"}
    )
    return profile


def rules_of(profile: ClinicianProfile) -> slots.Rules:
    return slots.Rules(
        timezone=profile.timezone,
        slot_minutes=profile.slot_minutes,
        buffer_minutes=profile.buffer_minutes,
        min_notice_hours=profile.min_notice_hours,
        horizon_days=profile.horizon_days,
    )


def windows_of(clinician: User) -> list[slots.Window]:
    return [
        slots.Window(w.weekday, w.start, w.end)
        for w in WeeklyWindow.objects.filter(clinician=clinician)
    ]


def changes_of(clinician: User, *, since: date | None = None) -> list[slots.DateChange]:
    found = AvailabilityException.objects.filter(clinician=clinician)
    if since is not None:
        found = found.filter(date__gte=since)
    return [slots.DateChange(e.date, e.kind, e.start, e.end) for e in found]


def _busy(clinician: User, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    return list(
        Appointment.objects.filter(
            clinician=clinician, status=Appointment.Status.BOOKED, start__lt=end, end__gt=start
        ).values_list("start", "end")
    )


def free_slots(
    profile: ClinicianProfile, *, start: datetime, end: datetime, now: datetime | None = None
) -> list[slots.Slot]:
    """The clinician's bookable slots that start in [start, end)."""
    now = now or timezone.now()
    rules = rules_of(profile)
    margin = timedelta(minutes=rules.slot_minutes + rules.buffer_minutes)
    return slots.free_slots(
        rules=rules,
        windows=windows_of(profile.clinician),
        exceptions=changes_of(profile.clinician),
        busy=_busy(profile.clinician, start - margin, end + margin),
        start=start,
        end=end,
        now=now,
    )


def day_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants from the start of local date `first` to the end of `last`."""
    return slots.start_of_day(first, zone), slots.start_of_day(last + timedelta(days=1), zone)


def can_book(*, member: User, profile: ClinicianProfile) -> bool:
    """Members book their own clinician, or one who accepts new clients."""
    if member.role != User.Role.MEMBER:
        return False
    return profile.accepting_new_clients or is_linked(member=member, clinician=profile.clinician)


# --- availability -------------------------------------------------------------------


@dataclass(frozen=True)
class WindowIn:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class ChangeIn:
    date: date
    kind: str
    start: time | None = None
    end: time | None = None
    note: str = ""


def _check_windows(windows: Sequence[WindowIn], errors: dict[str, list[str]]) -> None:
    if len(windows) > MAX_WINDOWS:
        errors.setdefault("weekly", []).append(
            gettext("At most %(count)d weekly windows.") % {"count": MAX_WINDOWS}
        )
    for index, window in enumerate(windows):
        if not 0 <= window.weekday <= 6:
            errors.setdefault(f"weekly.{index}.weekday", []).append(
                gettext("The weekday is a number from 0 (Monday) to 6 (Sunday).")
            )
        if window.end <= window.start:
            errors.setdefault(f"weekly.{index}.end", []).append(
                gettext("The end must be after the start.")
            )
    valid = [(i, w) for i, w in enumerate(windows) if w.end > w.start and 0 <= w.weekday <= 6]
    ordered = sorted(valid, key=lambda pair: (pair[1].weekday, pair[1].start))
    latest: dict[int, WindowIn] = {}
    for index, window in ordered:
        before = latest.get(window.weekday)
        if before is not None and window.start < before.end:
            errors.setdefault(f"weekly.{index}.start", []).append(
                gettext("This window overlaps another one on the same day (%(start)s to %(end)s).")
                % {"start": f"{before.start:%H:%M}", "end": f"{before.end:%H:%M}"}
            )
        if before is None or window.end > before.end:
            latest[window.weekday] = window


def _check_changes(changes: Sequence[ChangeIn], errors: dict[str, list[str]]) -> None:
    if len(changes) > MAX_EXCEPTIONS:
        errors.setdefault("exceptions", []).append(
            gettext("At most %(count)d exceptions.") % {"count": MAX_EXCEPTIONS}
        )
    for index, change in enumerate(changes):
        prefix = f"exceptions.{index}"
        if change.kind not in AvailabilityException.Kind.values:
            errors.setdefault(f"{prefix}.kind", []).append(
                gettext("The kind is “unavailable” or “extra”.")
            )
        if (change.start is None) != (change.end is None):
            errors.setdefault(f"{prefix}.end", []).append(
                gettext("Give both a start and an end, or neither for the whole day.")
            )
        elif change.start is not None and change.end is not None and change.end <= change.start:
            errors.setdefault(f"{prefix}.end", []).append(
                gettext("The end must be after the start.")
            )
        if change.kind == AvailabilityException.Kind.EXTRA and change.start is None:
            errors.setdefault(f"{prefix}.start", []).append(
                gettext("Extra hours need a start and an end.")
            )


def check_rules(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    zone = values.get("timezone")
    if zone is not None and not slots.is_known_zone(str(zone)):
        errors.setdefault("timezone", []).append(
            gettext("“%(value)s” is not a known time zone (use a name like Europe/London).")
            % {"value": zone}
        )
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors.setdefault(name, []).append(
                gettext("Must be a whole number from %(low)d to %(high)d.")
                % {"low": low, "high": high}
            )


@transaction.atomic
def set_availability(
    *,
    clinician: User,
    rules: dict[str, Any],
    weekly: Sequence[WindowIn] | None = None,
    exceptions: Sequence[ChangeIn] | None = None,
) -> ClinicianProfile:
    """Replace the clinician's booking rules, weekly windows and (when given) exceptions.

    `rules` holds any of timezone, slot_minutes, buffer_minutes, min_notice_hours,
    horizon_days, cancel_notice_hours. All or nothing: any error changes nothing.
    Existing appointments stay as they are.
    """
    if clinician.role != User.Role.CLINICIAN:
        raise PermissionDenied(gettext("Only clinicians have availability."))
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(rules) - {"timezone", *LIMITS})
    for name in unknown:
        errors.setdefault(name, []).append(gettext("Not a booking rule."))
    check_rules(rules, errors)
    if weekly is not None:
        _check_windows(weekly, errors)
    if exceptions is not None:
        _check_changes(exceptions, errors)
    if errors:
        raise ValidationError(errors)
    profile = get_profile(clinician)
    profile = ClinicianProfile.objects.select_for_update().get(pk=profile.pk)
    for name, value in rules.items():
        setattr(profile, name, value)
    profile.save()
    clinician.clinician_profile = profile  # no stale copy cached on the user
    if weekly is not None:
        WeeklyWindow.objects.filter(clinician=clinician).delete()
        WeeklyWindow.objects.bulk_create(
            WeeklyWindow(clinician=clinician, weekday=w.weekday, start=w.start, end=w.end)
            for w in weekly
        )
    if exceptions is not None:
        AvailabilityException.objects.filter(clinician=clinician).delete()
        AvailabilityException.objects.bulk_create(
            AvailabilityException(
                clinician=clinician,
                date=c.date,
                kind=c.kind,
                start=c.start,
                end=c.end,
                note=c.note[:120],
            )
            for c in exceptions
        )
    return profile


@transaction.atomic
def add_exception(*, clinician: User, change: ChangeIn) -> AvailabilityException:
    errors: dict[str, list[str]] = {}
    _check_changes([change], errors)
    if errors:
        raise ValidationError({k.removeprefix("exceptions.0."): v for k, v in errors.items()})
    return AvailabilityException.objects.create(
        clinician=clinician,
        date=change.date,
        kind=change.kind,
        start=change.start,
        end=change.end,
        note=change.note[:120],
    )
