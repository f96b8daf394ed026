"""Session notes: a SOAP draft per appointment, signed and then locked; amendments after.

Signing stores a SHA-256 digest of a canonical serialisation of the note (the four
sections, the appointment's and author's codes, and the signing time), so that any
change to a signed note is detectable (`verify_note`). Clinician notes are clinical
text, not member free text: they do not pass through crisis detection (decisions.md).
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from mindhaven.accounts.models import User
from mindhaven.care.models import (
    NOTE_SECTION_MAX_LENGTH,
    NOTE_SECTIONS,
    Appointment,
    NoteAmendment,
    NoteLockedError,
    SessionNote,
)
from mindhaven.notifications.services import notify

NOTIFICATION_KIND = "care.note_signed"


class NoteStateError(Exception):
    """The note cannot take this change in its current state (the API answers 409)."""


def _check_author(author: User, appointment: Appointment) -> None:
    # The access function already gave 404 to anyone else; this keeps services safe
    # when called from elsewhere (tasks, the shell).
    if author.pk != appointment.clinician_id or author.role != User.Role.CLINICIAN:
        raise PermissionDenied("only the appointment's clinician writes its session note")


def check_can_have_note(appointment: Appointment, *, now: datetime | None = None) -> None:
    """NoteStateError unless the appointment is booked and has started."""
    if not appointment.is_booked:
        raise NoteStateError(gettext("A cancelled appointment cannot have a session note."))
    if appointment.start > (now or timezone.now()):
        raise NoteStateError(
            gettext("You can write the session note once the session has started.")
        )


def _clean_sections(sections: dict[str, str]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for name in NOTE_SECTIONS:
        value = sections[name]
        if not isinstance(value, str):
            errors[name] = [gettext("Write text here.")]
            continue
        if len(value) > NOTE_SECTION_MAX_LENGTH:
            errors[name] = [
                gettext("Keep this section under %(limit)s characters (it has %(count)s).")
                % {"limit": NOTE_SECTION_MAX_LENGTH, "count": len(value)}
            ]
            continue
        cleaned[name] = value.replace("\r\n", "\n").strip()
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def save_note(
    *,
    author: User,
    appointment: Appointment,
    subjective: str,
    objective: str,
    assessment: str,
    plan: str,
) -> tuple[SessionNote, bool]:
    """Create or replace the draft note of `appointment`; returns (note, created).

    Raises ValidationError naming a section that is too long, NoteStateError when the
    appointment cannot have a note (cancelled, not started) or the note is signed.
    """
    _check_author(author, appointment)
    sections = _clean_sections(
        {"subjective": subjective, "objective": objective, "assessment": assessment, "plan": plan}
    )
    # Lock the appointment row: two first saves at once must not both create a note.
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    check_can_have_note(appointment)
    note = SessionNote.objects.filter(appointment=appointment).first()
    if note is not None and note.is_signed:
        raise NoteStateError(
            gettext("This note is signed and locked. Add an amendment instead of editing it.")
        )
    if note is None:
        try:
            with transaction.atomic():  # a savepoint: SQLite does not lock rows
                created = SessionNote.objects.create(
                    appointment=appointment, author=author, **sections
                )
            return created, True
        except IntegrityError:
            # Another request created it first: this one replaces that draft.
            note = SessionNote.objects.select_for_update().get(appointment=appointment)
            if note.is_signed:
                raise NoteStateError(
                    gettext(
                        "This note is signed and locked. Add an amendment instead of editing it."
                    )
                ) from None
    for name, value in sections.items():
        setattr(note, name, value)
    note.save()
    return note, False


def canonical_content(note: SessionNote, signed_at: datetime) -> bytes:
    """The bytes the digest covers: sections, appointment and author codes, signing time."""
    content = {name: getattr(note, name) for name in NOTE_SECTIONS}
    content |= {
        "appointment": str(note.appointment.code),
        "author": str(note.author.code),
        "signed_at": signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_digest(note: SessionNote, signed_at: datetime) -> str:
    return hashlib.sha256(canonical_content(note, signed_at)).hexdigest()


def verify_note(note: SessionNote) -> bool:
    """True when a signed note's content still matches the digest taken at signing."""
    if note.signed_at is None or not note.signed_digest:
        return False
    expected = compute_digest(note, note.signed_at)
    return hmac.compare_digest(expected, note.signed_digest)


@transaction.atomic
def sign_note(*, author: User, note: SessionNote) -> SessionNote:
    """Sign and lock the note. Signing a signed note again changes nothing (a retried
    request gets the same signature). An empty note cannot be signed."""
    _check_author(author, note.appointment)
    note = (
        SessionNote.objects.select_for_update()
        .select_related("appointment", "author")
        .get(pk=note.pk)
    )
    if note.is_signed:
        return note
    check_can_have_note(note.appointment)
    if not any(getattr(note, name).strip() for name in NOTE_SECTIONS):
        raise ValidationError(
            {"note": [gettext("Write at least one section before signing the note.")]}
        )
    signed_at = timezone.now()
    note.signed_digest = compute_digest(note, signed_at)
    note.signed_at = signed_at
    note.save(update_fields=["signed_at", "signed_digest", "updated_at"])
    _notify_member(note)
    return note


def _notify_member(note: SessionNote) -> None:
    member = note.appointment.member
    with override(member.locale):
        # No clinical content: notifications may also be emailed.
        title = gettext("Your clinician finished the note of a session. You can read it now.")
    notify(
        user=member,
        kind=NOTIFICATION_KIND,
        title=title,
        url=reverse("care:note", args=[note.appointment.code]),
    )


@transaction.atomic
def add_amendment(
    *, author: User, note: SessionNote, body: str, client_id: UUID | None = None
) -> tuple[NoteAmendment, bool]:
    """Append an amendment to a signed note; returns (amendment, created).

    `client_id` (generated by the client) makes a retry return the stored amendment.
    Raises NoteStateError for a draft (edit it instead) or an id used on another note,
    ValidationError for an empty or too long body.
    """
    _check_author(author, note.appointment)
    body = body.replace("\r\n", "\n").strip() if isinstance(body, str) else ""
    if not body:
        raise ValidationError({"body": [gettext("Write the amendment.")]})
    if len(body) > NOTE_SECTION_MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    gettext("Keep the amendment under %(limit)s characters (it has %(count)s).")
                    % {"limit": NOTE_SECTION_MAX_LENGTH, "count": len(body)}
                ]
            }
        )
    note = SessionNote.objects.select_for_update().get(pk=note.pk)
    if not note.is_signed:
        raise NoteStateError(
            gettext("Only a signed note takes amendments: until it is signed, edit the draft.")
        )
    if client_id is not None:
        existing = NoteAmendment.objects.filter(code=client_id).first()
        if existing is not None:
            if existing.note_id != note.pk:
                raise NoteStateError(gettext("That id belongs to another amendment."))
            return existing, False
        try:
            with transaction.atomic():
                amendment = NoteAmendment.objects.create(
                    code=client_id, note=note, author=author, body=body
                )
        except IntegrityError:
            # The same id sent twice at once: the first one stored it.
            existing = NoteAmendment.objects.get(code=client_id)
            if existing.note_id != note.pk:
                raise NoteStateError(gettext("That id belongs to another amendment.")) from None
            return existing, False
    else:
        amendment = NoteAmendment.objects.create(note=note, author=author, body=body)
    return amendment, True


__all__ = [
    "NoteLockedError",
    "NoteStateError",
    "add_amendment",
    "canonical_content",
    "check_can_have_note",
    "compute_digest",
    "save_note",
    "sign_note",
    "verify_note",
]
