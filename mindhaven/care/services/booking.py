"""Booking: appointments (book, cancel, reschedule), their notices, and calendar feeds.

No double booking: `book_appointment` locks the clinician's profile row, checks the
clinician's booked appointments (slot plus buffer) and the member's own, and the
database's partial unique constraint (clinician, start) where booked catches what
slips through; an IntegrityError becomes SlotTaken (HTTP 409).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
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
    CalendarFeed,
    ClinicianProfile,
)
from mindhaven.care.permissions import is_linked
from mindhaven.care.services.availability import changes_of, get_profile, rules_of, windows_of
from mindhaven.notifications.services import notify

logger = logging.getLogger("mindhaven.care")

NOTIFY_KIND = "care.appointment"


class SlotTaken(Exception):
    """The time is taken (by the clinician's or the member's own booking): HTTP 409."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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


def change_refused(*, appointment: Appointment, by: User, now: datetime | None = None) -> str:
    """Why `by` may not cancel or move the booked `appointment` now ("" when they may):
    the pages offer no change they would refuse."""
    try:
        _check_notice(appointment=appointment, by=by, now=now or timezone.now())
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


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
