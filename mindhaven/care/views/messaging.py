"""Secure messaging pages: the list of threads, and one thread (works without JavaScript;
care/messaging/thread.js makes it live over ws/care/threads/<code>/)."""

import uuid
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from mindhaven.accounts.decorators import privacy_agreement_required
from mindhaven.accounts.models import User
from mindhaven.care.models import MESSAGE_MAX_LENGTH, ClinicianProfile, Message, Thread
from mindhaven.care.permissions import get_thread_for_participant, thread_is_open
from mindhaven.care.services.messaging import mark_thread_read, open_threads, send_message
from mindhaven.safety import Level
from mindhaven.safety.panel import panel_context

# The thread page shows this many of the newest messages (the export has them all).
SHOWN = 200


class MessageForm(forms.Form):
    """The body is checked by the service (one wording for page, API and socket)."""

    code = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
    )


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


@require_GET
def threads(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    shown = open_threads(user=user)
    unread = dict(
        Message.objects.filter(thread__in=shown, read_at__isnull=True)
        .exclude(author=user)
        .values("thread")
        .annotate(count=Count("id"))
        .values_list("thread", "count")
    )
    rows = [
        {
            "thread": thread,
            "other": thread.member if user.pk == thread.clinician_id else thread.clinician,
            "unread": unread.get(thread.pk, 0),
            "open": thread_is_open(thread),
        }
        for thread in shown
    ]
    with timezone.override(user.timezone):
        return render(request, "care/messaging/threads.html", {"rows": rows})


def _office_hours(thread: Thread) -> str:
    profile = ClinicianProfile.objects.filter(clinician=thread.clinician).first()
    return profile.office_hours_note if profile is not None else ""


def _urgent_panel(user: User, thread: Thread, sent: str | None) -> dict[str, Any] | None:
    """The support panel, when `sent` is the member's own message here and it was urgent."""
    if user.pk != thread.member_id or not sent:
        return None
    try:
        code = UUID(sent)
    except ValueError:
        return None
    urgent = Message.objects.filter(
        thread=thread, author=user, code=code, safety_level=Level.URGENT
    ).exists()
    return panel_context(user) if urgent else None


@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, code: UUID) -> HttpResponse:
    """Reading stays open; sending needs the privacy agreement, as every member write."""
    if request.method == "POST":
        return _send(request, code)
    return _thread(request, code)


@privacy_agreement_required
def _send(request: HttpRequest, code: UUID) -> HttpResponse:
    return _thread(request, code)


def _thread(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    thread = get_thread_for_participant(user, code, request=request)
    status = 200
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message, _created = send_message(
                    author=user,
                    thread=thread,
                    body=form.cleaned_data["body"],
                    code=form.cleaned_data["code"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(f"{reverse('care:thread', args=[thread.code])}?sent={message.code}")
        status = 400
    else:
        form = MessageForm(initial={"code": uuid.uuid4()})
        mark_thread_read(reader=user, thread=thread)
    newest = list(thread.messages.select_related("author").order_by("-created_at", "-id")[:SHOWN])
    is_member = user.pk == thread.member_id
    context = {
        "thread": thread,
        "viewer": user,
        "other": thread.clinician if is_member else thread.member,
        "is_member": is_member,
        "messages_shown": list(reversed(newest)),
        "more": len(newest) == SHOWN,
        "open": thread_is_open(thread),
        "form": form,
        "office_hours": _office_hours(thread) if is_member else "",
        "panel": _urgent_panel(user, thread, request.GET.get("sent")),
    }
    with timezone.override(user.timezone):
        return render(request, "care/messaging/thread.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("messages/", threads, name="messages"),
    path("messages/<uuid:code>/", thread, name="thread"),
]
