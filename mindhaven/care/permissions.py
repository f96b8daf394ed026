"""Access functions for care objects: each returns the object or raises Http404.

Sections: appointments (shared by booking, rooms and notes), threads (messaging),
notes. One condition per line; a 404 never reveals whether the object exists.
"""

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from mindhaven.accounts.models import CareLink, User
from mindhaven.accounts.permissions import has_consent
from mindhaven.care.models import (
    Appointment,
    AvailabilityException,
    CalendarFeed,
    ClinicianProfile,
    SessionNote,
    Thread,
    VideoRoom,
)
from mindhaven.core.audit import record_access


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


# --- booking: clinician profiles, availability exceptions, calendar feeds -------


def is_linked(*, member: User, clinician: User) -> bool:
    """Whether `member` has an active care link to `clinician` (read each call)."""
    return CareLink.objects.filter(member=member, clinician=clinician, ended_at=None).exists()


def get_profile_for_booking(user: User, code: UUID | str) -> ClinicianProfile:
    """The profile of the clinician whose user code is `code`, when `user` may see it.

    Visible: to the clinician themself, to their linked members, and to anyone signed
    in when the clinician lists themself in the directory. Anything else is 404.
    """
    if not user.is_authenticated:
        raise Http404
    profile = (
        ClinicianProfile.objects.filter(clinician__code=as_uuid(code))
        .select_related("clinician")
        .first()
    )
    if profile is None:
        raise Http404
    clinician = profile.clinician
    if clinician.role != User.Role.CLINICIAN:
        raise Http404
    if not clinician.is_active:
        raise Http404
    if clinician.pk == user.pk:
        return profile
    if not profile.listed and not is_linked(member=user, clinician=clinician):
        raise Http404
    return profile


def get_client_for_care(user: User, code: UUID | str) -> User:
    """The member with this code, for the clinician they are linked to now; else Http404.

    It opens only what the two share anyway (their appointments, the clinician's own
    notes, the thread when the member shares messages), so it needs no consent category.
    """
    if user.role != User.Role.CLINICIAN:
        raise Http404
    member = User.objects.filter(code=as_uuid(code), is_active=True).first()
    if member is None:
        raise Http404
    if member.role != User.Role.MEMBER:
        raise Http404
    if not is_linked(member=member, clinician=user):
        raise Http404
    return member


def get_exception_for_clinician(user: User, pk: int) -> AvailabilityException:
    """One of the clinician's own availability exceptions; anyone else's is 404."""
    exception = AvailabilityException.objects.filter(pk=pk).first()
    if exception is None:
        raise Http404
    if exception.clinician_id != user.pk:
        raise Http404
    return exception


def get_feed_by_token(token: str) -> CalendarFeed:
    """The calendar feed with this secret token, of an active person; else 404."""
    if not token or len(token) > 64:
        raise Http404
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if feed is None:
        raise Http404
    if not feed.user.is_active:
        raise Http404
    return feed


# --- video rooms ------------------------------------------------------------------

# The member may enter the waiting room this long before the start; the clinician a
# little earlier, to be there first. Both may stay until this long after the end.
ROOM_OPENS_FOR_MEMBER = timedelta(minutes=10)
ROOM_OPENS_FOR_CLINICIAN = timedelta(minutes=15)
ROOM_CLOSES_AFTER_END = timedelta(minutes=30)
# The audit category of a clinician entering a member's video session.
ROOM_AUDIT_CATEGORY = "video"


def room_window(appointment: Appointment, user: User) -> tuple[datetime, datetime]:
    """When `user` (a participant) may be in the appointment's room: (opens, closes)."""
    is_clinician = user.pk == appointment.clinician_id
    early = ROOM_OPENS_FOR_CLINICIAN if is_clinician else ROOM_OPENS_FOR_MEMBER
    return appointment.start - early, appointment.end + ROOM_CLOSES_AFTER_END


def get_room_for_participant(
    user: User,
    code: UUID | str,
    *,
    request: HttpRequest | None = None,
    request_id: str = "",
) -> VideoRoom:
    """The video room of the appointment with this code, for its member or its
    clinician while the room is open to them (see `room_window`); created on first use.

    Cancelled appointments, anyone else, and a closed window are 404. The clinician's
    entry is audited: the member sees it in their access log.
    """
    appointment = get_appointment_for_participant(user, code)
    if not appointment.is_booked:
        raise Http404
    opens, closes = room_window(appointment, user)
    now = timezone.now()
    if now < opens:
        raise Http404
    if now > closes:
        raise Http404
    room, _created = VideoRoom.objects.select_related(
        "appointment__member", "appointment__clinician"
    ).get_or_create(appointment=appointment)
    record_access(
        actor=user,
        subject=appointment.member,
        category=ROOM_AUDIT_CATEGORY,
        action="view",
        obj=appointment,
        request=request,
        request_id=request_id,
    )
    return room


# --- threads (messaging) ----------------------------------------------------------

MESSAGES = "messages"


def thread_is_open(thread: Thread) -> bool:
    """Whether messages may be sent in `thread` now: an active link and the member's
    `messages` consent to the clinician (read from the database each call)."""
    return has_consent(clinician=thread.clinician, member=thread.member, category=MESSAGES)


def get_thread_for_member(user: User, code: UUID | str) -> Thread:
    """The member's own thread with this code, open or not (their own words stay theirs).

    Anyone else, and a code that does not exist, gets 404.
    """
    if not user.is_authenticated:
        raise Http404
    thread = Thread.objects.filter(code=as_uuid(code)).select_related("member", "clinician").first()
    if thread is None:
        raise Http404
    if thread.member_id != user.pk:
        raise Http404
    if not user.is_active:
        raise Http404
    return thread


def get_thread_for_clinician(
    user: User, code: UUID | str, *, request: HttpRequest | None = None
) -> Thread:
    """The thread with this code for its clinician, while the member shares `messages`.

    The clinician needs an active link and the member's `messages` consent, checked on
    every call (a revocation ends access at once). Each read is audited (`messages`),
    so the member sees it in their access log. Anyone else gets 404.
    """
    if not user.is_authenticated:
        raise Http404
    if user.role != User.Role.CLINICIAN:
        raise Http404
    thread = Thread.objects.filter(code=as_uuid(code)).select_related("member", "clinician").first()
    if thread is None:
        raise Http404
    if thread.clinician_id != user.pk:
        raise Http404
    if not has_consent(clinician=user, member=thread.member, category=MESSAGES):
        raise Http404
    record_access(
        actor=user,
        subject=thread.member,
        category=MESSAGES,
        action="view",
        obj=thread,
        request=request,
    )
    return thread


def get_thread_for_participant(
    user: User, code: UUID | str, *, request: HttpRequest | None = None
) -> Thread:
    """The thread for its member (`get_thread_for_member`) or its clinician
    (`get_thread_for_clinician`, audited); 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    if user.role == User.Role.CLINICIAN:
        return get_thread_for_clinician(user, code, request=request)
    return get_thread_for_member(user, code)


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


def get_note_worklist_for_clinician(
    user: User,
) -> tuple[QuerySet[Appointment], QuerySet[SessionNote], QuerySet[SessionNote]]:
    """The clinician's own note work: booked sessions that have started and have no note
    yet (newest first), their unsigned drafts, and their signed notes (newest first).
    Empty for anyone who is not a clinician; only the clinician's own appointments."""
    if user.role != User.Role.CLINICIAN:
        none = SessionNote.objects.none()
        return Appointment.objects.none(), none, none
    to_write = (
        Appointment.objects.filter(
            clinician=user,
            status=Appointment.Status.BOOKED,
            start__lte=timezone.now(),
            session_note__isnull=True,
        )
        .select_related("member")
        .order_by("-start")
    )
    mine = SessionNote.objects.filter(author=user, appointment__clinician=user).select_related(
        "appointment", "appointment__member"
    )
    drafts = mine.filter(signed_at__isnull=True).order_by("appointment__start")
    signed = mine.filter(signed_at__isnull=False).order_by("-signed_at")
    return to_write, drafts, signed
