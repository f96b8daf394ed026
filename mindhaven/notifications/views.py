from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mindhaven.accounts.models import User

INBOX_SIZE = 100


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    own = _user(request).notifications.all()
    context = {
        "notifications": own[:INBOX_SIZE],
        "unread_count": own.filter(read_at__isnull=True).count(),
    }
    return render(request, "notifications/inbox.html", context)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = _user(request).notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:inbox")
