"""A person's appointments as an RFC 5545 calendar (the `icalendar` package).

Times are written in the viewer's own zone (DTSTART;TZID=America/New_York) with the
matching VTIMEZONE, so calendar programs show them right and keep them right across
daylight-saving changes. Cancelled appointments stay in the feed as STATUS:CANCELLED
with a higher SEQUENCE, so subscribed calendars remove them. Titles name the other
person only ("Session with Dr Bob Rivera"); nothing clinical is ever written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar, Event

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment
from mindhaven.care.slots import is_known_zone

PRODID = "-//Mindhaven//Appointments//EN"


def appointments_for(user: User) -> Iterable[Appointment]:
    return (
        Appointment.objects.filter(Q(member=user) | Q(clinician=user))
        .select_related("member", "clinician")
        .order_by("start")
    )


def build_calendar(
    user: User, *, now: datetime | None = None, only: Appointment | None = None
) -> bytes:
    """The .ics of every appointment `user` takes part in (or `only` that one), in
    `user`'s zone."""
    now = now or timezone.now()
    zone = ZoneInfo(user.timezone if is_known_zone(user.timezone) else "UTC")
    site = settings.SITE_URL.rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    with translation.override(user.locale):
        calendar.add("x-wr-calname", gettext("Mindhaven appointments"))
        calendar.add("x-wr-timezone", str(zone.key))
        for appointment in [only] if only is not None else appointments_for(user):
            calendar.add_component(_event(appointment, user, zone, site, now))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _event(appointment: Appointment, user: User, zone: ZoneInfo, site: str, now: datetime) -> Event:
    other = appointment.member if user.pk == appointment.clinician_id else appointment.clinician
    event = Event()
    event.add("uid", f"{appointment.code}@mindhaven")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", gettext("Session with %(name)s") % {"name": other.name})
    event.add("url", site + reverse("care:appointment", args=[appointment.code]))
    event.add("sequence", appointment.sequence)
    event.add("created", appointment.created_at.astimezone(UTC))
    if appointment.is_booked:
        event.add("status", "CONFIRMED")
    else:
        event.add("status", "CANCELLED")
    return event


def ics_response(body: bytes, *, download: str = "") -> HttpResponse:
    """The feed is shown inline; a `download` name makes it a file to save."""
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    if download:
        response["Content-Disposition"] = f'attachment; filename="{download}"'
    else:
        response["Content-Disposition"] = 'inline; filename="mindhaven.ics"'
    response["Cache-Control"] = "no-store"
    return response
