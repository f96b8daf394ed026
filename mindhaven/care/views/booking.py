"""Booking pages: appointments, the clinician directory and slots, booking, cancelling
and rescheduling, the clinician's availability and schedule, calendar feeds.

Times are shown in the viewer's own zone, with the zone's name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.care import calendar, slots
from mindhaven.care.forms import RULE_FIELDS, WEEKDAY_FIELDS, AvailabilityForm, ExceptionForm
from mindhaven.care.models import Appointment, AvailabilityException, ClinicianProfile, Thread
from mindhaven.care.permissions import (
    get_appointment_for_participant,
    get_client_for_care,
    get_exception_for_clinician,
    get_feed_by_token,
    get_profile_for_booking,
    is_linked,
)
from mindhaven.care.services import availability as hours
from mindhaven.care.services import booking as services
from mindhaven.care.services.messaging import open_threads

DAYS_SHOWN = 14
# Other parts of care add to the appointment page through these (video, session note);
# each is included only when it exists, so one part never breaks another's page.
APPOINTMENT_INCLUDES = ("care/rooms/_join.html", "care/notes/_link.html")
PROFILE_FIELDS = (
    "credentials",
    "languages_text",
    "specialities_text",
    "bio",
    "office_hours_note",
    "listed",
    "accepting_new_clients",
)


def optional_templates(names: tuple[str, ...]) -> list[str]:
    found = []
    for name in names:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


def zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone if slots.is_known_zone(user.timezone) else "UTC")


def _require_clinician(user: User) -> None:
    if user.role != User.Role.CLINICIAN:
        raise PermissionDenied(_("This page is for clinicians."))


@dataclass(frozen=True)
class Day:
    date: date
    slots: list[slots.Slot]


def group_by_day(found: list[slots.Slot], zone: ZoneInfo) -> list[Day]:
    days: dict[date, list[slots.Slot]] = {}
    for slot in found:
        days.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
    return [Day(day, items) for day, items in sorted(days.items())]


def _first_day(request: HttpRequest, zone: ZoneInfo) -> date:
    today = timezone.localtime(timezone.now(), zone).date()
    asked = parse_date(request.GET.get("from", "") or "") if "from" in request.GET else None
    return max(asked or today, today)


def _slot_days(profile: ClinicianProfile, first: date, zone: ZoneInfo) -> list[Day]:
    start, end = hours.day_range(first, first + timedelta(days=DAYS_SHOWN - 1), zone)
    return group_by_day(hours.free_slots(profile, start=start, end=end), zone)


def _parse_start(value: str) -> datetime | None:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed


# --- appointments ---------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    mine = (
        Appointment.objects.filter(Q(member=user) | Q(clinician=user))
        .select_related("member", "clinician")
        .order_by("start")
    )
    upcoming = [a for a in mine.filter(end__gt=now) if a.is_booked]
    # An appointment moved to another time is not listed as cancelled: the new one's page
    # says where it came from.
    past = list(
        mine.filter(Q(end__lte=now) | Q(status=Appointment.Status.CANCELLED)).exclude(
            status=Appointment.Status.CANCELLED, rescheduled_to__isnull=False
        )
    )[::-1][:20]
    with timezone.override(zone_of(user)):
        return render(
            request,
            "care/booking/home.html",
            {"upcoming": upcoming, "past": past, "zone": zone_of(user).key},
        )


@require_GET
def client(request: HttpRequest, code: UUID) -> HttpResponse:
    """A clinician's page for one client: their appointments together (each past one
    with its session note), and the way to their messages."""
    user = _user(request)
    member = get_client_for_care(user, code)
    now = timezone.now()
    together = (
        Appointment.objects.filter(clinician=user, member=member)
        .select_related("member", "clinician", "session_note")
        .order_by("start")
    )
    context = {
        "member": member,
        "upcoming": [a for a in together.filter(end__gt=now) if a.is_booked],
        "past": list(together.filter(end__lte=now, status=Appointment.Status.BOOKED))[::-1],
        "thread": _thread_with(user, member),
        "zone": zone_of(user).key,
    }
    with timezone.override(zone_of(user)):
        return render(request, "care/booking/client.html", context)


@require_GET
def appointment(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    found = get_appointment_for_participant(user, code)
    other = found.member if user.pk == found.clinician_id else found.clinician
    profile = hours.get_profile(found.clinician)
    now = timezone.now()
    is_clinician = user.pk == found.clinician_id
    # Offer no change the services would refuse (the member's notice rule).
    refused = (
        services.change_refused(appointment=found, by=user, now=now) if found.is_booked else ""
    )
    context = {
        "appointment": found,
        "other": other,
        "zone": zone_of(user).key,
        "is_clinician": is_clinician,
        "can_change": found.is_booked and not refused,
        "change_refused": refused if found.end > now else "",
        "is_past": found.end <= now,
        "has_started": found.start <= now,
        # The clinician's page for this client opens only while they are linked.
        "client_page": user.pk == found.clinician_id
        and is_linked(member=found.member, clinician=user),
        "cancel_notice_hours": profile.cancel_notice_hours,
        "can_book_again": not found.is_booked and hours.can_book(member=user, profile=profile),
        "includes": optional_templates(APPOINTMENT_INCLUDES),
        "thread": _thread_with(user, other),
    }
    with timezone.override(zone_of(user)):
        return render(request, "care/booking/appointment.html", context)


def _thread_with(user: User, other: User) -> Thread | None:
    """The viewer's message thread with `other`, when the viewer can open it now."""
    for thread in open_threads(user=user):
        if other.pk in (thread.member_id, thread.clinician_id):
            return thread
    return None


@require_GET
def appointment_ics(request: HttpRequest, code: UUID) -> HttpResponse:
    """One appointment as an .ics file to add to a calendar by hand."""
    user = _user(request)
    found = get_appointment_for_participant(user, code)
    body = calendar.build_calendar(user, only=found)
    return calendar.ics_response(body, download=f"mindhaven-{found.code}.ics")


@require_POST
def cancel(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    found = get_appointment_for_participant(user, code)
    try:
        services.cancel_appointment(appointment=found, by=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The appointment was cancelled."))
    return redirect("care:appointment", code=found.code)


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def reschedule(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    found = get_appointment_for_participant(user, code)
    if not found.is_booked:
        messages.error(request, _("This appointment was cancelled."))
        return redirect("care:appointment", code=found.code)
    refused = services.change_refused(appointment=found, by=user)
    if refused:
        messages.error(request, refused)
        return redirect("care:appointment", code=found.code)
    profile = hours.get_profile(found.clinician)
    zone = zone_of(user)
    error = ""
    if request.method == "POST":
        start = _parse_start(request.POST.get("start", ""))
        try:
            if start is None:
                raise ValidationError({"start": [_("Choose one of the times shown.")]})
            moved = services.reschedule_appointment(appointment=found, by=user, start=start)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except services.SlotTaken as exc:
            error = exc.message
        else:
            messages.success(request, _("The appointment was moved."))
            return redirect("care:appointment", code=moved.code)
    first = _first_day(request, zone)
    context = {
        "appointment": found,
        "days": _slot_days(profile, first, zone),
        "zone": zone.key,
        "error": error,
        "slot_url": reverse("care:reschedule", args=[found.code]),
        "pick": "form",
        **_paging(first),
    }
    with timezone.override(zone):
        if error:
            return render(request, "care/booking/reschedule.html", context, status=400)
        return _page_or_slots(request, "care/booking/reschedule.html", context)


def _page_or_slots(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its slots section for htmx's "Later dates" (same view)."""
    if request.headers.get("HX-Request") == "true":
        response = render(request, "care/booking/_slots.html", context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _paging(first: date) -> dict[str, Any]:
    today = timezone.localdate()
    earlier = first - timedelta(days=DAYS_SHOWN)
    return {
        "first": first,
        "last": first + timedelta(days=DAYS_SHOWN - 1),
        "next_from": (first + timedelta(days=DAYS_SHOWN)).isoformat(),
        "previous_from": earlier.isoformat() if first > today else "",
    }


# --- the directory, a clinician's slots, booking -------------------------------------


@require_GET
def clinicians(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    linked = Q(clinician__client_links__member=user, clinician__client_links__ended_at=None)
    profiles = (
        ClinicianProfile.objects.filter(
            Q(listed=True) | linked,
            clinician__role=User.Role.CLINICIAN,
            clinician__is_active=True,
        )
        .select_related("clinician")
        .distinct()
        .order_by("clinician__display_name", "clinician__username")
    )
    own = set(
        User.objects.filter(client_links__member=user, client_links__ended_at=None).values_list(
            "pk", flat=True
        )
    )
    context = {"profiles": profiles, "own": own}
    return render(request, "care/booking/directory.html", context)


@require_GET
def clinician(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    profile = get_profile_for_booking(user, code)
    zone = zone_of(user)
    first = _first_day(request, zone)
    context = {
        "profile": profile,
        "can_book": hours.can_book(member=user, profile=profile),
        "is_member": user.role == User.Role.MEMBER,
        "days": _slot_days(profile, first, zone),
        "zone": zone.key,
        "slot_url": reverse("care:book", args=[profile.clinician.code]),
        "pick": "link",
        **_paging(first),
    }
    with timezone.override(zone):
        return _page_or_slots(request, "care/booking/clinician.html", context)


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def book(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    profile = get_profile_for_booking(user, code)
    zone = zone_of(user)
    source = request.POST if request.method == "POST" else request.GET
    start = _parse_start(source.get("start", ""))
    if start is None:
        messages.error(request, _("Choose one of the times shown."))
        return redirect("care:clinician", code=profile.clinician.code)
    error = ""
    if request.method == "POST":
        try:
            client_id = UUID(request.POST.get("client_id", ""))
        except ValueError:
            client_id = None
        try:
            found, _created = services.book_appointment(
                member=user, profile=profile, start=start, client_id=client_id
            )
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        except services.SlotTaken as exc:
            error = exc.message
        else:
            messages.success(request, _("Your appointment is booked."))
            return redirect("care:appointment", code=found.code)
    context = {
        "profile": profile,
        "start": start,
        "end": start + timedelta(minutes=profile.slot_minutes),
        "zone": zone.key,
        "client_id": uuid.uuid4(),
        "error": error,
        "can_book": hours.can_book(member=user, profile=profile),
    }
    with timezone.override(zone):
        return render(request, "care/booking/book.html", context, status=400 if error else 200)


# --- the clinician's availability and schedule -----------------------------------------


@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_clinician(user)
    profile = hours.get_profile(user)
    form = AvailabilityForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                hours.set_availability(clinician=user, rules=form.rules(), weekly=form.windows)
                form.save_profile()
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Your availability was saved."))
            return redirect("care:availability")
    context = {
        **_field_groups(),
        "form": form,
        "exception_form": ExceptionForm(),
        "exceptions": AvailabilityException.objects.filter(
            clinician=user, date__gte=timezone.localdate(timezone=zone_of(user)) - timedelta(1)
        ),
    }
    return render(
        request, "care/booking/availability.html", context, status=400 if form.errors else 200
    )


def _field_groups() -> dict[str, Any]:
    return {
        "profile_fields": PROFILE_FIELDS,
        "rule_fields": RULE_FIELDS,
        "weekday_fields": WEEKDAY_FIELDS,
    }


@require_POST
def add_exception(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_clinician(user)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        change = form.change()
        try:
            hours.add_exception(clinician=user, change=change)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The change to your availability was added."))
            _warn_of_kept_appointments(request, user, change)
            return redirect(reverse("care:availability") + "#exceptions")
    profile = hours.get_profile(user)
    context = {
        **_field_groups(),
        "form": AvailabilityForm(instance=profile),
        "exception_form": form,
        "exceptions": AvailabilityException.objects.filter(clinician=user),
    }
    return render(request, "care/booking/availability.html", context, status=400)


def _warn_of_kept_appointments(request: HttpRequest, user: User, change: hours.ChangeIn) -> None:
    """Time off cancels nothing: say so when appointments are still booked in it."""
    if change.kind != AvailabilityException.Kind.UNAVAILABLE:
        return
    zone = ZoneInfo(hours.get_profile(user).timezone)
    start, end = hours.day_range(change.date, change.date, zone)
    if change.start is not None and change.end is not None:
        start = datetime.combine(change.date, change.start, tzinfo=zone)
        end = datetime.combine(change.date, change.end, tzinfo=zone)
    kept = Appointment.objects.filter(
        clinician=user, status=Appointment.Status.BOOKED, start__lt=end, end__gt=start
    ).count()
    if not kept:
        return
    day_url = reverse("care:schedule") + f"?date={change.date.isoformat()}&view=day"
    text = ngettext(
        "You still have %(count)d appointment in that time. Time off does not cancel it:",
        "You still have %(count)d appointments in that time. Time off does not cancel them:",
        kept,
    ) % {"count": kept}
    messages.warning(
        request,
        format_html('{} <a href="{}">{}</a>', text, day_url, _("see that day in your schedule")),
    )


@require_POST
def delete_exception(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    get_exception_for_clinician(user, pk).delete()
    messages.success(request, _("The change to your availability was removed."))
    return redirect(reverse("care:availability") + "#exceptions")


@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    """The clinician's week (or one day) of appointments, in their own zone."""
    user = _user(request)
    _require_clinician(user)
    zone = zone_of(user)
    today = timezone.localtime(timezone.now(), zone).date()
    asked = parse_date(request.GET.get("date", "") or "") or today
    one_day = request.GET.get("view") == "day"
    first = asked if one_day else asked - timedelta(days=asked.weekday())
    length = 1 if one_day else 7
    start, end = hours.day_range(first, first + timedelta(days=length - 1), zone)
    found = (
        Appointment.objects.filter(
            clinician=user, status=Appointment.Status.BOOKED, start__lt=end, end__gt=start
        )
        .select_related("member")
        .order_by("start")
    )
    days: dict[date, list[Appointment]] = {first + timedelta(days=i): [] for i in range(length)}
    for item in found:
        days.setdefault(item.start.astimezone(zone).date(), []).append(item)
    step = timedelta(days=length)
    context = {
        "days": sorted(days.items()),
        "one_day": one_day,
        "first": first,
        "previous": (first - step).isoformat(),
        "next": (first + step).isoformat(),
        "today": today,
        "zone": zone.key,
        "hours_zone": _hours_zone_if_other(user, zone),
        "next_appointment": Appointment.objects.filter(
            clinician=user, status=Appointment.Status.BOOKED, end__gt=timezone.now()
        )
        .select_related("member")
        .order_by("start")
        .first(),
    }
    with timezone.override(zone):
        return render(request, "care/booking/schedule.html", context)


def _hours_zone_if_other(user: User, zone: ZoneInfo) -> str:
    """The zone of the clinician's weekly hours when it is not the one pages use."""
    hours_zone = hours.get_profile(user).timezone
    return hours_zone if hours_zone != zone.key else ""


# --- calendar feeds -----------------------------------------------------------------


@never_cache
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    feed = services.get_calendar_feed(user)
    url = request.build_absolute_uri(reverse("care:feed", args=[feed.token]))
    # webcal:// opens the person's calendar app at its "subscribe" step.
    webcal = "webcal://" + url.split("://", 1)[1]
    return render(request, "care/booking/calendar.html", {"feed_url": url, "webcal_url": webcal})


@require_POST
def reset_calendar(request: HttpRequest) -> HttpResponse:
    services.reset_calendar_feed(user=_user(request))
    messages.success(request, _("Your calendar has a new address. The old one no longer works."))
    return redirect("care:calendar")


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret feed URL: calendar programs fetch it without signing in."""
    found = get_feed_by_token(token)
    return calendar.ics_response(calendar.build_calendar(found.user))


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("appointments/<uuid:code>/", appointment, name="appointment"),
    path("appointments/<uuid:code>/event.ics", appointment_ics, name="appointment-ics"),
    path("appointments/<uuid:code>/cancel/", cancel, name="cancel"),
    path("appointments/<uuid:code>/reschedule/", reschedule, name="reschedule"),
    path("clients/<uuid:code>/", client, name="client"),
    path("clinicians/", clinicians, name="clinicians"),
    path("clinicians/<uuid:code>/", clinician, name="clinician"),
    path("clinicians/<uuid:code>/book/", book, name="book"),
    path("availability/", availability, name="availability"),
    path("availability/exceptions/", add_exception, name="add-exception"),
    path("availability/exceptions/<int:pk>/delete/", delete_exception, name="delete-exception"),
    path("schedule/", schedule, name="schedule"),
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/reset/", reset_calendar, name="reset-calendar"),
    path("calendar/<str:token>.ics", feed, name="feed"),
]
