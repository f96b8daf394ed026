"""Access functions for care objects: each returns the object or raises Http404.

Sections: appointments (shared by booking, rooms and notes), threads (messaging),
notes. One condition per line; a 404 never reveals whether the object exists.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment, SessionNote


def as_uuid(code: UUID | str) -> UUID:
    """`code` as a UUID; a malformed code is a 404, like an unknown one."""
    try:
        return code if isinstance(code, UUID) else UUID(str(code))
    except ValueError:
        raise Http404 from None


# --- appointments ---------------------------------------------------------------


def get_appointment_for_participant(user: User, code: UUID | str) -> Appointment:
    """The appointment with this code when `user` is its member or its clinician.

    Anyone else, and a code that does not exist, gets 404. Cancelled appointments are
    returned too: callers that need a booked one check `is_booked`.
    """
    if not user.is_authenticated:
        raise Http404
    appointment = (
        Appointment.objects.filter(code=as_uuid(code)).select_related("member", "clinician").first()
    )
    if appointment is None:
        raise Http404
    if user.pk not in (appointment.member_id, appointment.clinician_id):
        raise Http404
    if not user.is_active:
        raise Http404
    return appointment


# --- threads (messaging) ----------------------------------------------------------


# --- session notes --------------------------------------------------------------


def get_note_for_author(user: User, code: UUID | str) -> tuple[Appointment, SessionNote | None]:
    """The appointment with this code and its session note (None before one is written),
    for the appointment's clinician only: everyone else, the member included, gets 404.

    The clinician's reads of their own notes are not audited: they wrote them.
    """
    appointment = get_appointment_for_participant(user, code)
    if appointment.clinician_id != user.pk:
        raise Http404
    if user.role != User.Role.CLINICIAN:
        raise Http404
    note = SessionNote.objects.filter(appointment=appointment).first()
    return appointment, note


def get_note_for_member(user: User, code: UUID | str) -> SessionNote:
    """The signed session note of the member's own appointment with this code.

    A draft is the clinician's until it is signed: before that, and for anyone but the
    appointment's member, 404. The member reads their own record: nothing is audited.
    """
    appointment = get_appointment_for_participant(user, code)
    if appointment.member_id != user.pk:
        raise Http404
    note = SessionNote.objects.filter(appointment=appointment).first()
    if note is None:
        raise Http404
    if not note.is_signed:
        raise Http404
    return note


def get_note_for_reader(user: User, code: UUID | str) -> SessionNote:
    """The note of the appointment with this code as `user` may read it: its clinician
    any note (draft or signed), its member only a signed one; otherwise 404."""
    appointment = get_appointment_for_participant(user, code)
    if appointment.member_id == user.pk:
        return get_note_for_member(user, code)
    _appointment, note = get_note_for_author(user, code)
    if note is None:
        raise Http404
    return note


def get_notes_for_member(user: User) -> QuerySet[SessionNote]:
    """Every signed session note of the member's own appointments, oldest session first."""
    return (
        SessionNote.objects.filter(appointment__member=user, signed_at__isnull=False)
        .select_related("appointment", "author")
        .prefetch_related("amendments", "amendments__author")
        .order_by("appointment__start", "pk")
    )
