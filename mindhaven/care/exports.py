"""What care puts in a person's export (see mindhaven.core.export)."""

from typing import Any

from mindhaven.accounts.models import User
from mindhaven.care.models import Message, SessionNote
from mindhaven.care.permissions import get_notes_for_member
from mindhaven.core.export import ExportFile, register_exporter

# --- session notes ----------------------------------------------------------------


def _note_row(note: SessionNote) -> dict[str, Any]:
    return {
        "id": note.code,
        "appointment": note.appointment.code,
        "session_start": note.appointment.start,
        "clinician": note.author.name,
        "subjective": note.subjective,
        "objective": note.objective,
        "assessment": note.assessment,
        "plan": note.plan,
        "signed_at": note.signed_at,
        "signed_digest": note.signed_digest,
        "amendments": [
            {
                "id": amendment.code,
                "author": amendment.author.name,
                "created_at": amendment.created_at,
                "body": amendment.body,
            }
            for amendment in note.amendments.all()
        ],
    }


@register_exporter("session_notes")
def export_session_notes(user: User) -> list[ExportFile]:
    """The member's signed session notes, with their amendments. Drafts are the
    clinician's until signed; a clinician's own export does not carry the notes they
    wrote, since those are their clients' data (decisions.md)."""
    notes = get_notes_for_member(user)
    return [
        ExportFile(
            "notes.json",
            [_note_row(note) for note in notes],
            "The notes your clinicians wrote about your sessions, once signed: what you "
            "reported (subjective), what they observed (objective), their assessment and "
            "the plan, when each was signed, its SHA-256 fingerprint, and any amendments.",
        )
    ]


# --- messages ---------------------------------------------------------------------

MESSAGE_COLUMNS = ["thread", "member", "clinician", "id", "sent_at", "author", "body", "read_at"]


def _message_row(message: Message) -> dict[str, Any]:
    thread = message.thread
    return {
        "thread": thread.code,
        "member": thread.member.name,
        "clinician": thread.clinician.name,
        "id": message.code,
        "sent_at": message.created_at,
        "author": message.author.name,
        "body": message.body,
        "read_at": message.read_at,
    }


@register_exporter("messages")
def export_messages(user: User) -> list[ExportFile]:
    """A member's threads with every message in them (theirs and their clinicians');
    a clinician's export holds only the messages they sent (the rest is their clients')."""
    if user.role == User.Role.MEMBER:
        messages = Message.objects.filter(thread__member=user)
        description = (
            "Every secure message between you and your clinicians, decrypted: the "
            "conversation, who wrote it, when it was sent (UTC), the text, and when the "
            "other person read it."
        )
    else:
        messages = Message.objects.filter(author=user)
        description = (
            "The secure messages you sent to clients, decrypted: the conversation, when "
            "each was sent (UTC), the text, and when the client read it."
        )
    rows = [
        _message_row(message)
        for message in messages.select_related("thread__member", "thread__clinician", "author")
        .order_by("thread__created_at", "thread_id", "created_at", "id")
        .iterator()
    ]
    return [ExportFile("messages.csv", rows, description, columns=MESSAGE_COLUMNS)]
