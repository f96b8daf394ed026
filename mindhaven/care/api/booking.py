"""API operations for booking: availability, the directory, slots, appointments, .ics."""

from datetime import date, datetime, time, timedelta
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from mindhaven.accounts.decorators import api_privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.care import calendar, slots
from mindhaven.care.models import Appointment, AvailabilityException, ClinicianProfile
from mindhaven.care.permissions import get_appointment_for_participant, get_profile_for_booking
from mindhaven.care.services import availability
from mindhaven.care.services import booking as services

router = Router(tags=["care"])

MAX_SLOT_DAYS = 92


class Detail(Schema):
    detail: Any


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


def _conflict(exc: services.SlotTaken) -> JsonResponse:
    return JsonResponse(
        {"detail": [{"field": exc.field, "message": exc.message, "in": "body"}]}, status=409
    )


# --- availability ---------------------------------------------------------------------


class WindowSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(description="0 is Monday, 6 is Sunday")
    start: time = Field(description="local wall-clock time, HH:MM")
    end: time = Field(description="after start, same day")


class ExceptionSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    date: date
    kind: str = Field(description="`unavailable` (a day or part of one off) or `extra` hours")
    start: time | None = Field(None, description="both empty: the whole day (unavailable)")
    end: time | None = None
    note: str = Field("", max_length=120)


class AvailabilityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(description="IANA zone the weekly windows are written in")
    slot_minutes: int = Field(description="session length, 10 to 240")
    weekly: list[WindowSchema] = Field(max_length=availability.MAX_WINDOWS)
    exceptions: list[ExceptionSchema] | None = Field(
        None, max_length=availability.MAX_EXCEPTIONS, description="replaces them all when given"
    )
    buffer_minutes: int | None = None
    min_notice_hours: int | None = None
    horizon_days: int | None = Field(None, description="default 180")
    cancel_notice_hours: int | None = None


class AvailabilityOut(Schema):
    timezone: str
    slot_minutes: int
    buffer_minutes: int
    min_notice_hours: int
    horizon_days: int
    cancel_notice_hours: int
    weekly: list[WindowSchema]
    exceptions: list[ExceptionSchema]


def _availability(profile: ClinicianProfile) -> dict[str, Any]:
    clinician = profile.clinician
    return {
        "timezone": profile.timezone,
        "slot_minutes": profile.slot_minutes,
        "buffer_minutes": profile.buffer_minutes,
        "min_notice_hours": profile.min_notice_hours,
        "horizon_days": profile.horizon_days,
        "cancel_notice_hours": profile.cancel_notice_hours,
        "weekly": [
            {"weekday": w.weekday, "start": w.start, "end": w.end}
            for w in clinician.weekly_windows.all()
        ],
        "exceptions": [
            {"date": e.date, "kind": e.kind, "start": e.start, "end": e.end, "note": e.note}
            for e in AvailabilityException.objects.filter(clinician=clinician)
        ],
    }


def _require_clinician(user: User) -> None:
    if user.role != User.Role.CLINICIAN:
        raise PermissionDenied("only clinicians have availability")


@router.get(
    "/clinician/availability",
    response={200: AvailabilityOut, 403: Detail},
    tags=["clinician"],
)
def get_availability(request: HttpRequest) -> dict[str, Any]:
    """The signed-in clinician's booking rules, weekly windows and exceptions."""
    user = _user(request)
    _require_clinician(user)
    return _availability(availability.get_profile(user))


@router.put(
    "/clinician/availability",
    response={200: AvailabilityOut, 403: Detail, 422: Detail},
    tags=["clinician"],
)
def put_availability(request: HttpRequest, payload: AvailabilityIn) -> dict[str, Any]:
    """Replace the clinician's availability. Weekday 0 is Monday; times are wall-clock
    times in `timezone`, expanded per date (09:00 stays 09:00 across DST changes).
    Any error (unknown zone, end before start, overlapping windows) changes nothing."""
    user = _user(request)
    _require_clinician(user)
    rules: dict[str, Any] = {"timezone": payload.timezone, "slot_minutes": payload.slot_minutes}
    for name in ("buffer_minutes", "min_notice_hours", "horizon_days", "cancel_notice_hours"):
        value = getattr(payload, name)
        if value is not None:
            rules[name] = value
    exceptions = None
    if payload.exceptions is not None:
        exceptions = [
            availability.ChangeIn(e.date, e.kind, e.start, e.end, e.note)
            for e in payload.exceptions
        ]
    profile = availability.set_availability(
        clinician=user,
        rules=rules,
        weekly=[availability.WindowIn(w.weekday, w.start, w.end) for w in payload.weekly],
        exceptions=exceptions,
    )
    return _availability(profile)


# --- the directory and slots ---------------------------------------------------------


class ClinicianOut(Schema):
    code: UUID
    username: str
    display_name: str
    timezone: str
    languages: list[str]
    accepting_new_clients: bool


class ClinicianPage(Schema):
    items: list[ClinicianOut]


def _clinician(profile: ClinicianProfile) -> dict[str, Any]:
    clinician = profile.clinician
    return {
        "code": clinician.code,
        "username": clinician.username,
        "display_name": clinician.name,
        "timezone": profile.timezone,
        "languages": list(profile.languages or []),
        "accepting_new_clients": profile.accepting_new_clients,
    }


def visible_profiles(user: User) -> list[ClinicianProfile]:
    """Listed clinicians, and those `user` is linked to (or is)."""
    linked = Q(clinician__client_links__member=user, clinician__client_links__ended_at=None)
    return list(
        ClinicianProfile.objects.filter(
            Q(listed=True) | linked | Q(clinician=user),
            clinician__role=User.Role.CLINICIAN,
            clinician__is_active=True,
        )
        .select_related("clinician")
        .distinct()
        .order_by("clinician__display_name", "clinician__username")
    )


@router.get("/care/clinicians", response={200: ClinicianPage})
def list_clinicians(request: HttpRequest) -> dict[str, Any]:
    """The directory: clinicians who list themselves, and your own clinicians."""
    return {"items": [_clinician(p) for p in visible_profiles(_user(request))]}


class SlotOut(Schema):
    start: datetime = Field(description="ISO 8601, UTC")
    end: datetime


class SlotPage(Schema):
    items: list[SlotOut]


class SlotFilters(Schema):
    from_: date | None = Field(None, alias="from", description="first day (default today)")
    to: date | None = Field(None, description="last day, inclusive (default 2 weeks on)")


def zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone if slots.is_known_zone(user.timezone) else "UTC")


@router.get(
    "/care/clinicians/{code}/slots",
    response={200: SlotPage, 404: Detail, 422: Detail},
)
def list_slots(request: HttpRequest, code: UUID, filters: Query[SlotFilters]) -> dict[str, Any]:
    """Free slots only. `from` and `to` are days in your own time zone (both included);
    times are UTC. At most 92 days at once."""
    user = _user(request)
    profile = get_profile_for_booking(user, code)
    zone = zone_of(user)
    first = filters.from_ or timezone.localtime(timezone.now(), zone).date()
    last = filters.to or first + timedelta(days=13)
    if last < first:
        raise DjangoValidationError({"to": ["must be on or after `from`"]})
    if (last - first).days >= MAX_SLOT_DAYS:
        raise DjangoValidationError({"to": [f"at most {MAX_SLOT_DAYS} days from `from`"]})
    start, end = availability.day_range(first, last, zone)
    found = availability.free_slots(profile, start=start, end=end)
    return {"items": [{"start": s.start, "end": s.end} for s in found]}


# --- appointments ----------------------------------------------------------------------


class AppointmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    clinician: str = Field(description="the clinician's code")
    start: AwareDatetime = Field(description="ISO 8601 with a UTC offset: a free slot's start")
    client_id: UUID | None = Field(None, description="sending the same id again books nothing")


class RescheduleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime


class AppointmentOut(Schema):
    code: UUID
    start: datetime
    end: datetime
    clinician: UUID = Field(description="the clinician's code")
    member: UUID = Field(description="the member's code")
    status: str = Field(description="booked or cancelled")
    rescheduled_from: UUID | None = None

    @staticmethod
    def resolve_clinician(obj: Appointment) -> UUID:
        return obj.clinician.code

    @staticmethod
    def resolve_member(obj: Appointment) -> UUID:
        return obj.member.code

    @staticmethod
    def resolve_rescheduled_from(obj: Appointment) -> UUID | None:
        return obj.rescheduled_from.code if obj.rescheduled_from else None


class AppointmentPage(Schema):
    items: list[AppointmentOut]


@router.post(
    "/care/appointments",
    response={200: AppointmentOut, 201: AppointmentOut, 403: Detail, 409: Detail, 422: Detail},
)
@api_privacy_agreement_required
def create_appointment(
    request: HttpRequest, payload: AppointmentIn
) -> Status[Appointment] | JsonResponse:
    """Book a free slot (201). A taken slot is 409; a time that is not a slot, in the
    past or beyond the horizon is 422 naming `start`. The same `client_id` again
    returns the first appointment (200) and books nothing."""
    user = _user(request)
    try:
        profile = get_profile_for_booking(user, payload.clinician)
    except Http404:
        raise DjangoValidationError({"clinician": ["no clinician with this code"]}) from None
    try:
        appointment, created = services.book_appointment(
            member=user, profile=profile, start=payload.start, client_id=payload.client_id
        )
    except services.SlotTaken as exc:
        return _conflict(exc)
    return Status(201 if created else 200, appointment)


@router.get("/care/appointments", response={200: AppointmentPage})
def list_appointments(request: HttpRequest) -> dict[str, Any]:
    """Your appointments, as member or clinician, booked and cancelled, by start."""
    user = _user(request)
    found = (
        Appointment.objects.filter(Q(member=user) | Q(clinician=user))
        .select_related("member", "clinician", "rescheduled_from")
        .order_by("start")
    )
    return {"items": list(found)}


@router.post(
    "/care/appointments/{code}/cancel",
    response={200: AppointmentOut, 404: Detail, 422: Detail},
)
def cancel_appointment(request: HttpRequest, code: UUID) -> Appointment:
    """Cancel (again: no change). Members must give the clinician's cancellation notice."""
    user = _user(request)
    appointment = get_appointment_for_participant(user, code)
    return services.cancel_appointment(appointment=appointment, by=user)


@router.post(
    "/care/appointments/{code}/reschedule",
    response={201: AppointmentOut, 403: Detail, 404: Detail, 409: Detail, 422: Detail},
)
@api_privacy_agreement_required
def reschedule_appointment(
    request: HttpRequest, code: UUID, payload: RescheduleIn
) -> Status[Appointment] | JsonResponse:
    """Move to another free slot: the new appointment (201); the old one is cancelled."""
    user = _user(request)
    appointment = get_appointment_for_participant(user, code)
    try:
        moved = services.reschedule_appointment(
            appointment=appointment, by=user, start=payload.start
        )
    except services.SlotTaken as exc:
        return _conflict(exc)
    return Status(201, moved)


@router.get("/care/calendar.ics", response={200: None})
def calendar_ics(request: HttpRequest) -> HttpResponse:
    """Your appointments as an iCalendar file (text/calendar), in your time zone."""
    return calendar.ics_response(calendar.build_calendar(_user(request)))
