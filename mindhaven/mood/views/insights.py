"""Insights: what goes with better or worse mood."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mindhaven.mood import insights_service
from mindhaven.mood.views._common import signed_in_user


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """What went with better or worse mood in the member's own check-ins, with uncertainty."""
    user = signed_in_user(request)
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
