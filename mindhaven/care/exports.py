"""What care puts in a person's export (see mindhaven.core.export)."""

from typing import Any

from mindhaven.accounts.models import User
from mindhaven.care.models import (
    Appointment,
    ClinicianProfile,
    Message,
    SessionNote,
    VideoRoom,
    WeeklyWindow,
)
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


# --- appointments (booking) -----------------------------------------------------------

APPOINTMENT_COLUMNS = [
    "id",
    "start",
    "end",
    "status",
    "your_role",
    "with",
    "booked_at",
    "cancelled_at",
    "rescheduled_from",
]


@register_exporter("appointments")
def export_appointments(user: User) -> list[ExportFile]:
    """Every appointment the person took part in, as member or clinician; a clinician's
    export also holds their booking profile and weekly hours."""
    taking_part = Appointment.objects.filter(member=user) | Appointment.objects.filter(
        clinician=user
    )
    rows = [
        {
            "id": appointment.code,
            "start": appointment.start,
            "end": appointment.end,
            "status": appointment.status,
            "your_role": "clinician" if appointment.clinician_id == user.pk else "member",
            "with": (
                appointment.member.name
                if appointment.clinician_id == user.pk
                else appointment.clinician.name
            ),
            "booked_at": appointment.created_at,
            "cancelled_at": appointment.cancelled_at,
            "rescheduled_from": (
                appointment.rescheduled_from.code if appointment.rescheduled_from else ""
            ),
        }
        for appointment in taking_part.select_related(
            "member", "clinician", "rescheduled_from"
        ).order_by("start")
    ]
    files = [
        ExportFile(
            "appointments.csv",
            rows,
            "Your appointments: when (UTC), booked or cancelled, whether you were the "
            "member or the clinician, with whom, when it was booked and cancelled, and the "
            "appointment it replaced when it was moved.",
            columns=APPOINTMENT_COLUMNS,
        )
    ]
    profile = ClinicianProfile.objects.filter(clinician=user).first()
    if profile is not None:
        files.append(
            ExportFile(
                "availability.json",
                {
                    "credentials": profile.credentials,
                    "languages": profile.languages,
                    "specialities": profile.specialities,
                    "bio": profile.bio,
                    "listed": profile.listed,
                    "accepting_new_clients": profile.accepting_new_clients,
                    "office_hours_note": profile.office_hours_note,
                    "timezone": profile.timezone,
                    "slot_minutes": profile.slot_minutes,
                    "buffer_minutes": profile.buffer_minutes,
                    "min_notice_hours": profile.min_notice_hours,
                    "horizon_days": profile.horizon_days,
                    "cancel_notice_hours": profile.cancel_notice_hours,
                    "weekly": [
                        {"weekday": w.weekday, "start": w.start, "end": w.end}
                        for w in WeeklyWindow.objects.filter(clinician=user)
                    ],
                    "exceptions": [
                        {"date": e.date, "kind": e.kind, "start": e.start, "end": e.end}
                        for e in user.availability_exceptions.all()
                    ],
                },
                "Your clinician profile and booking rules: weekly hours (weekday 0 is "
                "Monday, times in your time zone) and days off or extra hours.",
            )
        )
    return files


# --- video sessions (rooms) -------------------------------------------------------------

VIDEO_COLUMNS = [
    "appointment",
    "start",
    "your_role",
    "with",
    "waiting_since",
    "admitted_at",
    "ended_at",
]


@register_exporter("video_sessions")
def export_video_sessions(user: User) -> list[ExportFile]:
    """When the person waited, was admitted and ended each video session they took part
    in. Nothing of the call itself is kept: no media, and in-call chat is never stored."""
    rooms = (
        VideoRoom.objects.filter(appointment__member=user)
        | VideoRoom.objects.filter(appointment__clinician=user)
    ).select_related("appointment__member", "appointment__clinician")
    rows = []
    for room in rooms.order_by("appointment__start"):
        appointment = room.appointment
        clinician = appointment.clinician_id == user.pk
        rows.append(
            {
                "appointment": appointment.code,
                "start": appointment.start,
                "your_role": "clinician" if clinician else "member",
                "with": appointment.member.name if clinician else appointment.clinician.name,
                "waiting_since": room.member_waiting_since,
                "admitted_at": room.admitted_at,
                "ended_at": room.ended_at,
            }
        )
    return [
        ExportFile(
            "video_sessions.csv",
            rows,
            "Your video sessions: the appointment, when it started (UTC), whether you were "
            "the member or the clinician, with whom, and when the member started waiting, "
            "was let in and the call ended. Calls are not recorded and in-call chat is not "
            "kept.",
            columns=VIDEO_COLUMNS,
        )
    ]
