"""Booking: availability, appointments (book, cancel, reschedule) and calendar feeds.

No double booking: `book_appointment` locks the clinician's profile row, checks the
clinician's booked appointments (slot plus buffer) and the member's own, and the
database's partial unique constraint (clinician, start) where booked catches what
slips through; an IntegrityError becomes SlotTaken (HTTP 409).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from mindhaven.accounts.models import User
from mindhaven.accounts.services import link_member
from mindhaven.care import slots
from mindhaven.care.models import (
    Appointment,
    AvailabilityException,
    CalendarFeed,
    ClinicianProfile,
    WeeklyWindow,
)
from mindhaven.care.permissions import is_linked
from mindhaven.notifications.services import notify

logger = logging.getLogger("mindhaven.care")

NOTIFY_KIND = "care.appointment"
MAX_WINDOWS = 70
MAX_EXCEPTIONS = 400
LIMITS = {
    "slot_minutes": (10, 240),
    "buffer_minutes": (0, 120),
    "min_notice_hours": (0, 24 * 30),
    "horizon_days": (1, 730),
    "cancel_notice_hours": (0, 24 * 14),
}


class SlotTaken(Exception):
    """The time is taken (by the clinician's or the member's own booking): HTTP 409."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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


# --- appointments ---------------------------------------------------------------------


def when_text(instant: datetime, user: User) -> str:
    """`instant` in `user`'s zone and the active language, with the zone's name."""
    zone = ZoneInfo(user.timezone) if slots.is_known_zone(user.timezone) else ZoneInfo("UTC")
    local = timezone.localtime(instant, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({user.timezone or 'UTC'})"


def _check_start(*, start: datetime, profile: ClinicianProfile, now: datetime) -> slots.Slot:
    rules = rules_of(profile)
    earliest, latest = slots.bookable_window(rules, now)
    if start <= now:
        raise ValidationError({"start": [gettext("That time has already passed.")]})
    if start < earliest:
        raise ValidationError(
            {
                "start": [
                    gettext(
                        "This clinician needs at least %(hours)d hours' notice: "
                        "choose a later time."
                    )
                    % {"hours": rules.min_notice_hours}
                ]
            }
        )
    if start >= latest:
        raise ValidationError(
            {
                "start": [
                    gettext("Appointments can be booked up to %(days)d days ahead.")
                    % {"days": rules.horizon_days}
                ]
            }
        )
    slot = slots.slot_at(start, rules, windows_of(profile.clinician), changes_of(profile.clinician))
    if slot is None:
        raise ValidationError(
            {"start": [gettext("That is not one of the clinician's available times.")]}
        )
    return slot


def _check_free(
    *, slot: slots.Slot, profile: ClinicianProfile, member: User, ignore: Appointment | None
) -> None:
    buffer = timedelta(minutes=profile.buffer_minutes)
    taken = Appointment.objects.filter(
        clinician=profile.clinician,
        status=Appointment.Status.BOOKED,
        start__lt=slot.end + buffer,
        end__gt=slot.start - buffer,
    )
    own = Appointment.objects.filter(
        member=member, status=Appointment.Status.BOOKED, start__lt=slot.end, end__gt=slot.start
    )
    if ignore is not None:
        taken, own = taken.exclude(pk=ignore.pk), own.exclude(pk=ignore.pk)
    if taken.exists():
        raise SlotTaken("start", gettext("That time has just been booked: choose another."))
    if own.exists():
        raise SlotTaken("start", gettext("You already have an appointment at that time."))


def book_appointment(
    *,
    member: User,
    profile: ClinicianProfile,
    start: datetime,
    client_id: UUID | None = None,
    now: datetime | None = None,
) -> tuple[Appointment, bool]:
    """Book the slot at `start` with the profile's clinician; (appointment, created).

    Only members book, with their own clinician or one accepting new clients (then
    a directory care link is made, sharing nothing). The same `client_id` again
    returns the first appointment and books nothing. Raises ValidationError (bad
    time), SlotTaken (taken) or PermissionDenied.
    """
    now = now or timezone.now()
    if client_id is not None:
        existing = _by_client_id(member, client_id)
        if existing is not None:
            return existing, False
    if member.role != User.Role.MEMBER:
        raise PermissionDenied(gettext("Only members can book appointments."))
    try:
        with transaction.atomic():
            return _book(member=member, profile=profile, start=start, client_id=client_id, now=now)
    except IntegrityError:
        if client_id is not None:
            existing = _by_client_id(member, client_id)
            if existing is not None:
                return existing, False
        raise SlotTaken(
            "start", gettext("That time has just been booked: choose another.")
        ) from None


def _by_client_id(member: User, client_id: UUID) -> Appointment | None:
    existing = Appointment.objects.filter(client_id=client_id).first()
    if existing is not None and existing.member_id != member.pk:
        raise ValidationError({"client_id": [gettext("This id is already in use.")]})
    return existing


def _book(
    *,
    member: User,
    profile: ClinicianProfile,
    start: datetime,
    client_id: UUID | None,
    now: datetime,
) -> tuple[Appointment, bool]:
    # The lock makes concurrent bookings of one clinician take turns.
    profile = (
        ClinicianProfile.objects.select_for_update().select_related("clinician").get(pk=profile.pk)
    )
    if client_id is not None:
        # A retry that waited for the lock behind its own first attempt.
        existing = _by_client_id(member, client_id)
        if existing is not None:
            return existing, False
    clinician = profile.clinician
    linked = is_linked(member=member, clinician=clinician)
    if not linked and not profile.accepting_new_clients:
        raise PermissionDenied(gettext("This clinician is not accepting new clients."))
    slot = _check_start(start=start, profile=profile, now=now)
    _check_free(slot=slot, profile=profile, member=member, ignore=None)
    if not linked:
        link_member(member=member, clinician=clinician, how="directory")
    appointment = Appointment.objects.create(
        client_id=client_id,
        clinician=clinician,
        member=member,
        start=slot.start,
        end=slot.end,
        created_at=now,
    )
    transaction.on_commit(lambda: _tell(appointment, clinician, "booked"))
    return appointment, True


def _check_notice(*, appointment: Appointment, by: User, now: datetime) -> None:
    if appointment.end <= now:
        raise ValidationError({"start": [gettext("This appointment is over.")]})
    if by.pk == appointment.clinician_id:
        return
    profile = get_profile(appointment.clinician)
    hours = profile.cancel_notice_hours
    if appointment.start - now < timedelta(hours=hours):
        raise ValidationError(
            {
                "start": [
                    gettext(
                        "Appointments can be changed up to %(hours)d hours before they "
                        "start. To change this one now, contact %(name)s."
                    )
                    % {"hours": hours, "name": appointment.clinician.name}
                ]
            }
        )


@transaction.atomic
def cancel_appointment(
    *, appointment: Appointment, by: User, now: datetime | None = None
) -> Appointment:
    """Cancel a booked appointment (again: nothing happens). A member must give the
    clinician's cancellation notice; the clinician may always cancel before it ends."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("clinician", "member")
        .get(pk=appointment.pk)
    )
    if not appointment.is_booked:
        return appointment
    _check_notice(appointment=appointment, by=by, now=now)
    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.CANCELLED,
        cancelled_at=now,
        cancelled_by=by,
        sequence=F("sequence") + 1,
    )
    appointment.refresh_from_db()
    other = appointment.member if by.pk == appointment.clinician_id else appointment.clinician
    transaction.on_commit(lambda: _tell(appointment, other, "cancelled"))
    return appointment


def reschedule_appointment(
    *, appointment: Appointment, by: User, start: datetime, now: datetime | None = None
) -> Appointment:
    """Move a booked appointment to another free slot: the old one is cancelled and a
    new one, `rescheduled_from` it, is booked, in one transaction."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _reschedule(appointment=appointment, by=by, start=start, now=now)
    except IntegrityError:
        raise SlotTaken(
            "start", gettext("That time has just been booked: choose another.")
        ) from None


def _reschedule(
    *, appointment: Appointment, by: User, start: datetime, now: datetime
) -> Appointment:
    profile = ClinicianProfile.objects.select_for_update().get(clinician=appointment.clinician)
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("clinician", "member")
        .get(pk=appointment.pk)
    )
    if not appointment.is_booked:
        raise ValidationError({"start": [gettext("This appointment was cancelled.")]})
    _check_notice(appointment=appointment, by=by, now=now)
    if start == appointment.start:
        raise ValidationError({"start": [gettext("Choose a different time.")]})
    slot = _check_start(start=start, profile=profile, now=now)
    _check_free(slot=slot, profile=profile, member=appointment.member, ignore=appointment)
    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.CANCELLED,
        cancelled_at=now,
        cancelled_by=by,
        sequence=F("sequence") + 1,
    )
    moved = Appointment.objects.create(
        clinician=appointment.clinician,
        member=appointment.member,
        start=slot.start,
        end=slot.end,
        created_at=now,
        rescheduled_from=appointment,
    )
    other = moved.member if by.pk == moved.clinician_id else moved.clinician
    transaction.on_commit(lambda: _tell(moved, other, "rescheduled"))
    return moved


def upcoming_for(user: User, *, now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return (Q(member=user) | Q(clinician=user)) & Q(end__gt=now)


# --- telling people (in-app and email; never clinical content) -------------------------


def _message(event: str, when: str) -> tuple[str, str]:
    if event == "booked":
        return gettext("New appointment"), gettext("An appointment was booked for %(when)s.") % {
            "when": when
        }
    if event == "rescheduled":
        return gettext("Appointment moved"), gettext("An appointment was moved to %(when)s.") % {
            "when": when
        }
    return gettext("Appointment cancelled"), gettext(
        "The appointment on %(when)s was cancelled."
    ) % {"when": when}


def _tell(appointment: Appointment, user: User, event: str) -> None:
    """Notify one participant in their language; names and notes are left out."""
    url = reverse("care:appointment", args=[appointment.code])
    with translation.override(user.locale):
        title, body = _message(event, when_text(appointment.start, user))
        notify(user=user, kind=NOTIFY_KIND, title=title, body=body, url=url)
        send_email(user=user, title=title, body=body, url=url)


def send_email(*, user: User, title: str, body: str, url: str) -> bool:
    """A short email in the active language; failures are logged, never raised."""
    if not user.email:
        return False
    site = settings.SITE_URL.rstrip("/")
    text = gettext("Hello %(name)s,\n\n%(body)s\n\nOpen Mindhaven to see it: %(link)s\n") % {
        "name": user.name,
        "body": body,
        "link": site + url,
    }
    try:
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + title,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except Exception:
        logger.exception("appointment email to %s failed", user.code)
        return False
    return True


# --- calendar feeds -------------------------------------------------------------------


def get_calendar_feed(user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


@transaction.atomic
def reset_calendar_feed(*, user: User) -> CalendarFeed:
    """A new secret token: the old feed URL stops working at once."""
    feed = get_calendar_feed(user)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed
