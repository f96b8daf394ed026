"""History: the list of entries, editing, the calendar and the trends."""

from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from mindhaven.mood import history, plots, services
from mindhaven.mood.forms import CheckinForm
from mindhaven.mood.history import EntryFilterForm
from mindhaven.mood.models import Activity, MoodEntry
from mindhaven.mood.permissions import (
    get_entry_for_member,
)
from mindhaven.mood.views._common import PAGE_SIZE, add_service_errors, signed_in_user
from mindhaven.safety import Level


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
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
    user = signed_in_user(request)
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
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your changes were saved."))
                if entry.safety_level == Level.URGENT:
                    return redirect("safety:support")
                return redirect("mood:entries")
        context = {"form": form, "entry": entry}
        return render(request, "mood/check_in.html", context, status=400)


@require_http_methods(["GET", "POST"])
def delete_entry(request: HttpRequest, code: UUID) -> HttpResponse:
    user = signed_in_user(request)
    entry = get_entry_for_member(user, code)
    if request.method != "POST":
        with timezone.override(user.timezone):
            return render(request, "mood/delete_entry.html", {"entry": entry})
    services.delete_entry(entry=entry)
    messages.success(request, _("The check-in was deleted."))
    return redirect("mood:entries")


# --- offline check-in, calendar and trends ------------------------------------------------


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
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
    user = signed_in_user(request)
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
