from datetime import timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.mood import history, insights_service, plots, preferences, services, streaks
from mindhaven.mood.forms import CheckinForm
from mindhaven.mood.history import EntryFilterForm
from mindhaven.mood.importers import daylio
from mindhaven.mood.imports import (
    check_size,
    delete_upload,
    get_zone,
    level_choices,
    mood_levels,
    read_upload,
    store_upload,
    timezone_names,
    unknown_moods,
)
from mindhaven.mood.imports import import_daylio as import_entries
from mindhaven.mood.models import MOOD_FACES, Activity, Emotion, MoodEntry
from mindhaven.mood.permissions import (
    get_entries_for_clinician,
    get_entry_for_member,
    get_list_item_for_member,
)
from mindhaven.mood.settings_forms import AddActivityForm, AddEmotionForm, ReminderSettingsForm
from mindhaven.safety import Level

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
    user = _user(request)
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
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your check-in was saved."))
                if entry.safety_level == Level.URGENT:
                    return redirect("safety:support")
                return redirect("mood:home")
        return render(request, "mood/check_in.html", {"form": form}, status=400)


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    own = MoodEntry.objects.filter(member=user)
    activities = Activity.objects.filter(member=user).values_list("name", flat=True)
    filters = EntryFilterForm(request.GET, activities=history.activity_names(own, activities))
    zone = ZoneInfo(user.timezone)
    with timezone.override(zone):
        page = Paginator(filters.apply(own, zone), PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {"page": page, "filters": filters, "query": query.urlencode()}
        return render(request, "mood/entries.html", context)


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
                if entry.safety_level == Level.URGENT:
                    return redirect("safety:support")
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


# --- offline check-in, calendar and trends ------------------------------------------------


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


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    zone = ZoneInfo(user.timezone)
    today = timezone.localtime(timezone.now(), zone).date()
    first, readable = history.parse_month(request.GET.get("month"), today)
    last = history.shift_month(first, 1) - timedelta(days=1)
    start, end = history.day_bounds(first, last, zone)
    month_entries = MoodEntry.objects.filter(
        member=user, recorded_at__gte=start, recorded_at__lt=end
    ).only("recorded_at", "mood")
    days = history.days_between(month_entries, first, last, zone)
    context = {
        "month": first,
        "weeks": history.month_weeks(first, days),
        "previous": history.shift_month(first, -1),
        "next": history.shift_month(first, 1),
        "days_with_entries": sum(1 for day in days if day.count),
        "notice": None
        if readable
        else _("That month could not be read (use YEAR-MONTH, e.g. 2025-03); this is this month."),
        "levels": MoodEntry.Mood.choices,
    }
    return render(request, "mood/calendar.html", context)


def _trend_days(value: str | None) -> tuple[int, bool]:
    if not value:
        return history.DEFAULT_TREND_DAYS, True
    try:
        days = int(value)
    except ValueError:
        return history.DEFAULT_TREND_DAYS, False
    if days not in history.TREND_PERIODS:
        return history.DEFAULT_TREND_DAYS, False
    return days, True


@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    zone = ZoneInfo(user.timezone)
    period, readable = _trend_days(request.GET.get("days"))
    last = timezone.localtime(timezone.now(), zone).date()
    first = last - timedelta(days=period - 1)
    start, end = history.day_bounds(first, last, zone)
    period_entries = MoodEntry.objects.filter(
        member=user, recorded_at__gte=start, recorded_at__lt=end
    ).only("recorded_at", "mood", "sleep_hours", "activities")
    days = history.days_between(period_entries, first, last, zone)
    means = [day.mean for day in days]
    rolling = plots.rolling_mean(means, 7)
    mood_labels = {value: str(label) for value, label in MoodEntry.Mood.choices}
    with timezone.override(zone):
        x_labels = [
            (index, formats.date_format(day.day, "M j"))
            for index, day in enumerate(days)
            if day.day.day == 1 or index == 0
        ]
    checkins = sum(day.count for day in days)
    context: dict[str, object] = {
        "period": period,
        "periods": history.TREND_PERIODS,
        "notice": None
        if readable
        else _("That period could not be used; showing the last %(days)d days.") % {"days": period},
        "checkins": checkins,
        "first": first,
        "last": last,
    }
    if checkins:
        mood_rows = [
            {"day": day, "mean": mean, "rolling": roll}
            for day, mean, roll in zip(days, means, rolling, strict=True)
            if mean is not None or roll is not None
        ]
        context["mood_svg"] = plots.mood_over_time_svg(
            means=means,
            rolling=rolling,
            x_labels=x_labels,
            mood_labels=mood_labels,
            title=_("Mood over time"),
            desc=_(
                "Daily mean mood (1 awful to 5 great) as points, and its 7-day rolling mean "
                "as a line, from %(first)s to %(last)s."
            )
            % {
                "first": formats.date_format(first, "DATE_FORMAT"),
                "last": formats.date_format(last, "DATE_FORMAT"),
            },
        )
        context["mood_rows"] = mood_rows
        activity_counts = history.activity_days(days)
        context["activity_counts"] = activity_counts
        if activity_counts:
            context["activity_svg"] = plots.bars_svg(
                items=activity_counts,
                title=_("Activities"),
                desc=_("On how many days each activity was part of a check-in."),
                id_prefix="activity-plot",
            )
        sleep_days = [
            (day, day.mean_sleep, day.mean)
            for day in days
            if day.mean_sleep is not None and day.mean is not None
        ]
        sleep_rows = [{"day": day, "sleep": sleep, "mean": mean} for day, sleep, mean in sleep_days]
        context["sleep_rows"] = sleep_rows
        if sleep_rows:
            context["sleep_svg"] = plots.sleep_mood_svg(
                points=[
                    (sleep, mean)
                    for _day, sleep, mean in sleep_days
                    if sleep is not None and mean is not None
                ],
                mood_labels=mood_labels,
                x_title=_("Hours of sleep"),
                title=_("Sleep and mood"),
                desc=ngettext(
                    "Each point is a day: hours of sleep across, mean mood up. %(count)d day.",
                    "Each point is a day: hours of sleep across, mean mood up. %(count)d days.",
                    len(sleep_rows),
                )
                % {"count": len(sleep_rows)},
            )
    return render(request, "mood/trends.html", context)


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """What went with better or worse mood in the member's own check-ins, with uncertainty."""
    user = _user(request)
    report = insights_service.get_report(user)
    context = {
        "entries_considered": report.entries_considered,
        "insights": [insights_service.shown(f) for f in report.insights],
        "explored": [insights_service.shown(f) for f in report.explored],
        "min_days": insights_service.MIN_DAYS,
        "min_sleep_days": insights_service.MIN_SLEEP_DAYS,
    }
    return render(request, "mood/insights.html", context)


# --- importing a Daylio export ------------------------------------------------------------

PREVIEW_ROWS = 10
IMPORT_SESSION_KEY = "mood_import"
SUMMARY_SESSION_KEY = "mood_import_summary"


class DaylioUploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("Daylio export (CSV)"),
        help_text=_lazy("In Daylio: More, Export entries, CSV. Files up to 10 MB."),
    )
    timezone = forms.ChoiceField(
        label=_lazy("Time zone of the entries"),
        help_text=_lazy("Daylio does not record time zones. Choose where you mostly were."),
    )

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"timezone": member.timezone})
        super().__init__(*args, **kwargs)
        zones = timezone_names()
        if member.timezone not in zones:
            zones = sorted([*zones, member.timezone])
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in zones]


class MoodLevelsForm(forms.Form):
    """One question per mood label that has no level yet: which level (1 to 5) it is."""

    def __init__(self, *args: Any, labels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *level_choices()]
        self.labels = labels
        for index, label in enumerate(labels):
            self.fields[f"level_{index}"] = forms.TypedChoiceField(
                label=label, choices=choices, coerce=int
            )

    def mood_map(self) -> dict[str, int]:
        return {label: self.cleaned_data[f"level_{i}"] for i, label in enumerate(self.labels)}


def _forget_upload(request: HttpRequest) -> None:
    state = request.session.pop(IMPORT_SESSION_KEY, None)
    if state:
        delete_upload(state["token"])


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def import_daylio(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method != "POST":
        form = DaylioUploadForm(member=user)
        return render(request, "mood/import.html", {"form": form})
    form = DaylioUploadForm(request.POST, request.FILES, member=user)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)
            text = daylio.decode(upload.read())
            parsed = daylio.parse(text)
        except ValidationError as exc:
            form.add_error("file", exc.message_dict["file"])
        except daylio.DaylioFormatError as exc:
            form.add_error("file", str(exc))
        else:
            if not parsed.rows:
                form.add_error("file", _("The file has no entries to import."))
            else:
                _forget_upload(request)
                request.session[IMPORT_SESSION_KEY] = {
                    "token": store_upload(text),
                    "timezone": form.cleaned_data["timezone"],
                }
                return redirect("mood:import-preview")
    return render(request, "mood/import.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
@privacy_agreement_required
def import_daylio_preview(request: HttpRequest) -> HttpResponse:
    state = request.session.get(IMPORT_SESSION_KEY)
    try:
        parsed = daylio.parse(read_upload(state["token"])) if state else None
    except (FileNotFoundError, ValueError):
        parsed = None
    if parsed is None:
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.info(request, _("Your upload has expired. Please choose the file again."))
        return redirect("mood:import")
    assert state is not None
    if request.method == "POST" and "cancel" in request.POST:
        _forget_upload(request)
        messages.info(request, _("Nothing was imported, and your file was deleted."))
        return redirect("mood:home")
    zone = get_zone(state["timezone"])
    unknown = unknown_moods(parsed, None)
    form = MoodLevelsForm(request.POST if request.method == "POST" else None, labels=unknown)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                summary = import_entries(
                    member=_user(request), parsed=parsed, zone=zone, mood_map=form.mood_map()
                )
            except daylio.DaylioFormatError as exc:
                form.add_error(None, str(exc))
            else:
                _forget_upload(request)
                request.session[SUMMARY_SESSION_KEY] = {
                    "imported": summary.imported,
                    "duplicates": summary.duplicates,
                    "warnings": summary.warnings,
                }
                return redirect("mood:import-done")
    levels = mood_levels(None)
    known = [
        (label, levels[daylio.normalise_label(label)])
        for label in parsed.labels()
        if label not in unknown
    ]
    context = {
        "form": form,
        "parsed": parsed,
        "layout": ",".join(daylio.LAYOUTS[parsed.layout]),
        "rows": parsed.rows[:PREVIEW_ROWS],
        "known": [(label, dict(level_choices())[level]) for label, level in known],
        "zone": zone.key,
    }
    return render(request, "mood/import_preview.html", context, status=status)


@require_GET
def import_daylio_done(request: HttpRequest) -> HttpResponse:
    # Kept (counts and warnings only, no notes) so that reloading the page works.
    summary = request.session.get(SUMMARY_SESSION_KEY)
    if summary is None:
        return redirect("mood:import")
    return render(request, "mood/import_done.html", {"summary": summary})


# --- reminders, streaks and the member's lists ----------------------------------------


@require_http_methods(["GET", "POST"])
def mood_settings(request: HttpRequest) -> HttpResponse:
    """The daily reminder (time, on/off, email) and whether to show a streak."""
    user = _user(request)
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
    user = _user(request)
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
    user = _user(request)
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


@require_GET
def client_entries(request: HttpRequest, code: UUID) -> HttpResponse:
    """A clinician reads a client's check-ins: only with a link and `mood` consent, audited."""
    user = _user(request)
    client_entries = get_entries_for_clinician(user, code, request=request)
    client = User.objects.get(code=code)  # exists: the access function let us through
    zone = ZoneInfo(user.timezone)
    with timezone.override(zone):
        page = Paginator(client_entries.order_by("-recorded_at"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context = {"page": page, "client": client}
        return render(request, "mood/client_entries.html", context)
