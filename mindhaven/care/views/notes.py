"""Session note pages: the clinician's SOAP form, the confirm step before signing, the
signed note with its amendments (printable), and the member's read-only copy."""

import uuid
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mindhaven.accounts.models import User
from mindhaven.care.models import NOTE_SECTION_MAX_LENGTH, NOTE_SECTIONS, Appointment, SessionNote
from mindhaven.care.permissions import (
    get_appointment_for_participant,
    get_note_for_author,
    get_note_for_member,
    get_note_worklist_for_clinician,
)
from mindhaven.care.services import notes as services

WORKLIST_SIZE = 50
SIGNED_SHOWN = 20

SECTION_HELP = {
    "subjective": gettext_lazy(
        "What the client reports: concerns, mood and experience, in their own words."
    ),
    "objective": gettext_lazy(
        "What you observe: appearance, behaviour, affect, and any measures or scores."
    ),
    "assessment": gettext_lazy("Your clinical impression: progress, risk and formulation."),
    "plan": gettext_lazy("Next steps: interventions, tasks between sessions, referrals."),
}
SECTION_LABELS = {
    "subjective": gettext_lazy("Subjective"),
    "objective": gettext_lazy("Objective"),
    "assessment": gettext_lazy("Assessment"),
    "plan": gettext_lazy("Plan"),
}


def _section_field(name: str) -> forms.CharField:
    return forms.CharField(
        label=SECTION_LABELS[name],
        help_text=SECTION_HELP[name],
        required=False,
        max_length=NOTE_SECTION_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class NoteForm(forms.Form):
    subjective = _section_field("subjective")
    objective = _section_field("objective")
    assessment = _section_field("assessment")
    plan = _section_field("plan")


class AmendmentForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=gettext_lazy("Amendment"),
        help_text=gettext_lazy(
            "Added below the signed note with today's date. The note itself stays as signed."
        ),
        max_length=NOTE_SECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


def _sections(note: SessionNote) -> list[dict[str, Any]]:
    return [
        {"key": name, "label": SECTION_LABELS[name], "text": getattr(note, name)}
        for name in NOTE_SECTIONS
    ]


def _can_have_note(appointment: Appointment) -> str:
    """Why this appointment cannot have a note yet, or "" when it can."""
    try:
        services.check_can_have_note(appointment)
    except services.NoteStateError as exc:
        return str(exc)
    return ""


def _render(
    request: HttpRequest,
    user: User,
    appointment: Appointment,
    note: SessionNote | None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    is_author = appointment.clinician_id == user.pk
    context: dict[str, Any] = {
        "appointment": appointment,
        "note": note,
        "is_author": is_author,
        "other": appointment.member if is_author else appointment.clinician,
        **extra,
    }
    if note is not None and note.is_signed:
        context["sections"] = _sections(note)
        context["verified"] = services.verify_note(note)
        context["amendments"] = list(note.amendments.select_related("author"))
        if is_author:
            context.setdefault("amendment_form", AmendmentForm(initial={"id": uuid.uuid4()}))
    elif is_author:
        context["blocked"] = "" if note is not None else _can_have_note(appointment)
        if "form" not in context and not context["blocked"]:
            initial = {name: getattr(note, name) for name in NOTE_SECTIONS} if note else None
            context["form"] = NoteForm(initial=initial)
    with timezone.override(user.timezone):
        return render(request, "care/notes/note.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def note(request: HttpRequest, code: UUID) -> HttpResponse:
    """The note page: the clinician writes the draft here; the member reads it once signed."""
    user = _user(request)
    appointment = get_appointment_for_participant(user, code)
    if appointment.member_id == user.pk:
        if request.method == "POST":
            raise Http404
        return _render(request, user, appointment, get_note_for_member(user, code))
    appointment, current = get_note_for_author(user, code)
    if request.method != "POST":
        return _render(request, user, appointment, current)
    form = NoteForm(request.POST)
    signing = request.POST.get("action") == "sign"
    if form.is_valid() and signing and not any(v.strip() for v in form.cleaned_data.values()):
        # Refused here, before an empty draft is stored, not on the confirm page.
        form.add_error(None, _("Write at least one section before signing the note."))
    if not form.is_valid():
        return _render(request, user, appointment, current, status=400, form=form)
    try:
        services.save_note(author=user, appointment=appointment, **form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render(request, user, appointment, current, status=400, form=form)
    except services.NoteStateError as exc:
        messages.error(request, str(exc))
        return _render(request, user, appointment, current, status=409)
    if signing:
        return redirect("care:sign-note", code=appointment.code)
    messages.success(request, _("The draft was saved. Only you can see it until you sign it."))
    return redirect("care:note", code=appointment.code)


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, code: UUID) -> HttpResponse:
    """The confirm step: the draft as it will be locked, and the button that signs it."""
    user = _user(request)
    appointment, current = get_note_for_author(user, code)
    if current is None:
        raise Http404
    if current.is_signed:
        return redirect("care:note", code=appointment.code)
    error = ""
    if request.method == "POST":
        try:
            services.sign_note(author=user, note=current)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except services.NoteStateError as exc:
            error = str(exc)
        else:
            messages.success(request, _("The note is signed and locked."))
            return redirect("care:note", code=appointment.code)
    context = {
        "appointment": appointment,
        "note": current,
        "sections": _sections(current),
        "other": appointment.member,
        "error": error,
    }
    with timezone.override(user.timezone):
        return render(request, "care/notes/sign.html", context, status=400 if error else 200)


@require_POST
def add_amendment(request: HttpRequest, code: UUID) -> HttpResponse:
    user = _user(request)
    appointment, current = get_note_for_author(user, code)
    if current is None:
        raise Http404
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        return _render(request, user, appointment, current, status=400, amendment_form=form)
    try:
        services.add_amendment(
            author=user,
            note=current,
            body=form.cleaned_data["body"],
            client_id=form.cleaned_data["id"],
        )
    except ValidationError as exc:
        form.add_error("body", exc.message_dict.get("body", exc.messages))
        return _render(request, user, appointment, current, status=400, amendment_form=form)
    except services.NoteStateError as exc:
        messages.error(request, str(exc))
        return _render(request, user, appointment, current, status=409)
    messages.success(request, _("The amendment was added."))
    return redirect("care:note", code=appointment.code)


@never_cache
@require_GET
def notes(request: HttpRequest) -> HttpResponse:
    """The clinician's notes: sessions waiting for a note, drafts, and recently signed."""
    user = _user(request)
    if user.role != User.Role.CLINICIAN:
        raise PermissionDenied(_("This page is for clinicians."))
    to_write, drafts, signed = get_note_worklist_for_clinician(user)
    context = {
        "to_write": list(to_write[:WORKLIST_SIZE]),
        "drafts": list(drafts[:WORKLIST_SIZE]),
        "signed": list(signed[:SIGNED_SHOWN]),
    }
    with timezone.override(user.timezone):
        return render(request, "care/notes/list.html", context)


urlpatterns: list[URLPattern] = [
    path("notes/", notes, name="notes"),
    path("appointments/<uuid:code>/note/", note, name="note"),
    path("appointments/<uuid:code>/note/sign/", sign, name="sign-note"),
    path("appointments/<uuid:code>/note/amendments/", add_amendment, name="add-amendment"),
]
