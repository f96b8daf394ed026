from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.mood import insights_service, services
from mindhaven.mood.forms import CheckinForm
from mindhaven.mood.models import MoodEntry
from mindhaven.mood.permissions import get_entry_for_member

RECENT = 5
PAGE_SIZE = 50
# Service errors on these names are shown next to the matching form field.
FORM_FIELDS = {"mood", "emotions", "activities", "sleep_hours", "note", "recorded_at"}


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


def _add_service_errors(form: CheckinForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in FORM_FIELDS else None, errors)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    with timezone.override(user.timezone):
        recent = list(MoodEntry.objects.filter(member=user)[:RECENT])
        return render(request, "mood/home.html", {"recent": recent})


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def check_in(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    with timezone.override(user.timezone):
        if request.method != "POST":
            form = CheckinForm(member=user)
            return render(request, "mood/check_in.html", {"form": form})
        form = CheckinForm(request.POST, member=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_checkin(
                    member=user,
                    client_id=data["id"],
                    recorded_at=data["recorded_at"] or timezone.localtime(),
                    mood=data["mood"],
                    emotions=data["emotions"],
                    activities=form.all_activities(),
                    sleep_hours=data["sleep_hours"],
                    note=data["note"],
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your check-in was saved."))
                return redirect("mood:home")
        return render(request, "mood/check_in.html", {"form": form}, status=400)


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    with timezone.override(user.timezone):
        page = Paginator(MoodEntry.objects.filter(member=user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(request, "mood/entries.html", {"page": page})


@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    entry = get_entry_for_member(user, code)
    with timezone.override(user.timezone):
        if request.method != "POST":
            form = CheckinForm(member=user, entry=entry)
            return render(request, "mood/check_in.html", {"form": form, "entry": entry})
        form = CheckinForm(request.POST, member=user, entry=entry)
        if form.is_valid():
            data = form.cleaned_data
            when = data["recorded_at"]
            # An unchanged time keeps the offset it was first recorded with.
            shown = timezone.localtime(entry.recorded_at).replace(second=0, microsecond=0)
            try:
                services.update_entry(
                    entry=entry,
                    recorded_at=when if when and when != shown else services.UNSET,
                    mood=data["mood"],
                    emotions=data["emotions"],
                    activities=form.all_activities(),
                    sleep_hours=data["sleep_hours"],
                    note=data["note"],
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect("mood:entries")
        context = {"form": form, "entry": entry}
        return render(request, "mood/check_in.html", context, status=400)


@require_http_methods(["GET", "POST"])
def delete_entry(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    entry = get_entry_for_member(user, code)
    if request.method != "POST":
        with timezone.override(user.timezone):
            return render(request, "mood/delete_entry.html", {"entry": entry})
    services.delete_entry(entry=entry)
    messages.success(request, _("The check-in was deleted."))
    return redirect("mood:entries")


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """What went with better or worse mood in the member's own check-ins, with uncertainty."""
    user = _user(request)
    report = insights_service.get_report(user)
    context = {
        "entries_considered": report.entries_considered,
        "insights": [insights_service.shown(f) for f in report.insights],
        "explored": [insights_service.shown(f) for f in report.explored],
        "min_days": insights_service.insights.MIN_DAYS,
        "min_sleep_days": insights_service.insights.MIN_SLEEP_DAYS,
    }
    return render(request, "mood/insights.html", context)
