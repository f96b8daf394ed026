"""The "who viewed my data" page: every read of the person's data by someone else."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from mindhaven.accounts.consent import get_category
from mindhaven.accounts.models import User
from mindhaven.core.models import AuditEvent

PAGE_SIZE = 50

# Labels for what audit events record; an unknown value is shown as stored.
# Categories are the consent categories (accounts.consent), plus the profile.
OTHER_CATEGORIES: dict[str, str | Promise] = {"profile": _("Profile")}
ACTION_LABELS = {
    "view": pgettext_lazy("audit action", "Viewed"),
    "list": pgettext_lazy("audit action", "Viewed a list"),
    "export": pgettext_lazy("audit action", "Exported"),
    "download": pgettext_lazy("audit action", "Downloaded"),
}


def events_about(user: User) -> QuerySet[AuditEvent]:
    """Every audit event whose subject is this person, newest first."""
    return AuditEvent.objects.filter(subject_code=user.code).order_by("-at", "-id")


def category_label(key: str) -> str:
    category = get_category(key)
    return str(category.label if category else OTHER_CATEGORIES.get(key, key))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    page = Paginator(events_about(user), PAGE_SIZE).get_page(request.GET.get("page"))
    # Names as they are now when the person still exists; else the name kept in the event.
    codes = {event.actor_code for event in page.object_list if event.actor_code}
    names = dict(User.objects.filter(code__in=codes).values_list("code", "display_name"))
    roles = dict(User.Role.choices)
    rows = [
        {
            "who": names.get(event.actor_code) or event.actor_username,
            "username": event.actor_username,
            "role": roles.get(event.actor_role, event.actor_role),
            "category": category_label(event.category),
            "action": action_label(event.action),
            "at": event.at,
        }
        for event in page.object_list
    ]
    return render(request, "accounts/access_log.html", {"page": page, "rows": rows})
