"""A clinician's view of a client's check-ins."""

from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mindhaven.accounts.models import User
from mindhaven.mood.permissions import (
    get_entries_for_clinician,
)
from mindhaven.mood.views._common import PAGE_SIZE, signed_in_user


@require_GET
def client_entries(request: HttpRequest, code: UUID) -> HttpResponse:
    """A clinician reads a client's check-ins: only with a link and `mood` consent, audited."""
    user = signed_in_user(request)
    client_entries = get_entries_for_clinician(user, code, request=request)
    client = User.objects.get(code=code)  # exists: the access function let us through
    zone = ZoneInfo(user.timezone)
    with timezone.override(zone):
        page = Paginator(client_entries.order_by("-recorded_at"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context = {"page": page, "client": client}
        return render(request, "mood/client_entries.html", context)
