"""Mood settings: reminders, streaks, and the lists of activities and emotions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mindhaven.accounts.models import User
from mindhaven.mood import preferences, services
from mindhaven.mood.models import Activity, Emotion
from mindhaven.mood.permissions import (
    get_list_item_for_member,
)
from mindhaven.mood.settings_forms import AddActivityForm, AddEmotionForm, ReminderSettingsForm
from mindhaven.mood.views._common import signed_in_user


@require_http_methods(["GET", "POST"])
def mood_settings(request: HttpRequest) -> HttpResponse:
    """The daily reminder (time, on/off, email) and whether to show a streak."""
    user = signed_in_user(request)
    setting = preferences.get_reminder_setting(user)
    if request.method == "POST":
        form = ReminderSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            preferences.update_reminder_setting(
                member=user,
                enabled=data["enabled"],
                local_time=data["local_time"],
                email_enabled=data["email_enabled"],
                show_streak=data["show_streak"],
            )
            messages.success(request, _("Your settings were saved."))
            return redirect("mood:settings")
        status = 400
    else:
        form = ReminderSettingsForm(
            initial={
                "enabled": setting.enabled,
                "local_time": setting.local_time,
                "email_enabled": setting.email_enabled,
                "show_streak": setting.show_streak,
            }
        )
        status = 200
    with timezone.override(user.timezone):
        context = {
            "form": form,
            "zone": user.timezone,
            "next_at": preferences.next_reminder_at(setting),
            "has_email": bool(user.email),
        }
        return render(request, "mood/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
def snooze_reminder(request: HttpRequest) -> HttpResponse:
    """Where the reminder leads: check in now, remind again in an hour, or skip today."""
    user = signed_in_user(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("snooze", "skip"):
            context = {"error": _("Choose to snooze the reminder or to skip today.")}
            return render(request, "mood/snooze.html", context, status=400)
        setting = preferences.snooze_reminder(member=user, skip_today=action == "skip")
        if action == "skip":
            messages.success(request, _("No more reminders today. See you tomorrow."))
        else:
            with timezone.override(user.timezone):
                when = formats.time_format(timezone.localtime(setting.snoozed_until), "TIME_FORMAT")
            messages.success(request, _("We will remind you again at %(time)s.") % {"time": when})
        return redirect("mood:home")
    return render(request, "mood/snooze.html", {})


def _grouped_activities(user: User) -> list[tuple[str, list[Activity]]]:
    labels = dict(Activity.Group.choices)
    groups: dict[str, list[Activity]] = {value: [] for value in labels}
    for activity in Activity.objects.filter(member=user):
        groups.setdefault(activity.group, []).append(activity)
    return [(str(labels.get(key, key)), items) for key, items in groups.items() if items]


@require_http_methods(["GET", "POST"])
def lists(request: HttpRequest) -> HttpResponse:
    """The member's emotions and activities: hide, show again, add."""
    user = signed_in_user(request)
    services.ensure_default_lists(user)
    emotion_form = AddEmotionForm()
    activity_form = AddActivityForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("hide", "show"):
            kind, pk = request.POST.get("kind", ""), request.POST.get("id")
            item = get_list_item_for_member(user, kind, pk)
            item.hidden = action == "hide"
            item.save(update_fields=["hidden"])
            message = _("“%(name)s” is hidden.") if item.hidden else _("“%(name)s” is shown again.")
            messages.success(request, message % {"name": item.name})
            return redirect("mood:lists")
        form: AddEmotionForm | AddActivityForm
        if action == "add-emotion":
            form = emotion_form = AddEmotionForm(request.POST)
        elif action == "add-activity":
            form = activity_form = AddActivityForm(request.POST)
        else:
            return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
        if form.is_valid():
            try:
                if isinstance(form, AddActivityForm):
                    data = form.cleaned_data
                    added: Activity | Emotion = services.add_activity(
                        member=user, name=data["name"], group=data["group"]
                    )
                else:
                    added = services.add_emotion(member=user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                form.add_error("name", exc.message_dict.get("name", exc.messages))
            else:
                messages.success(request, _("“%(name)s” was added.") % {"name": added.name})
                return redirect("mood:lists")
        status = 400
    context = {
        "emotions": Emotion.objects.filter(member=user),
        "groups": _grouped_activities(user),
        "emotion_form": emotion_form,
        "activity_form": activity_form,
    }
    return render(request, "mood/lists.html", context, status=status)
