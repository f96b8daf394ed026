"""The check-in and the mood home page."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.mood import preferences, services, streaks
from mindhaven.mood.forms import CheckinForm
from mindhaven.mood.models import MOOD_FACES, MoodEntry
from mindhaven.mood.views._common import RECENT, add_service_errors, signed_in_user
from mindhaven.safety import Level


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    with timezone.override(user.timezone):
        recent = list(MoodEntry.objects.filter(member=user)[:RECENT])
        context = {"recent": recent, "streak": _streak(user)}
        return render(request, "mood/home.html", context)


def _streak(user: User) -> streaks.Streak | None:
    """The member's streak, only if they asked to see it (it is off by default)."""
    if not preferences.get_reminder_setting(user).show_streak:
        return None
    zone = ZoneInfo(user.timezone)
    times = MoodEntry.objects.filter(member=user).values_list("recorded_at", flat=True)
    today = timezone.localtime(timezone.now(), zone).date()
    return streaks.compute_streak(streaks.local_days(times, zone), today)


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def check_in(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    with timezone.override(user.timezone):
        if request.method != "POST":
            form = CheckinForm(member=user)
            return render(request, "mood/check_in.html", {"form": form})
        form = CheckinForm(request.POST, member=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry, _created = services.record_checkin(
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
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your check-in was saved."))
                if entry.safety_level == Level.URGENT:
                    return redirect("safety:support")
                return redirect("mood:home")
        return render(request, "mood/check_in.html", {"form": form}, status=400)


@login_not_required
@require_GET
def check_in_shell(request: HttpRequest) -> HttpResponse:
    """The check-in form with nothing personal in it, for the service worker to keep.

    The worker fetches it as an anonymous visitor and serves it for /mood/check-in/
    when there is no network; checkin.js queues what is entered there (decisions.md).
    """
    options = [
        {"value": value, "label": label, "face": MOOD_FACES[value]}
        for value, label in MoodEntry.Mood.choices
    ]
    return render(request, "mood/check_in_shell.html", {"mood_options": options})
