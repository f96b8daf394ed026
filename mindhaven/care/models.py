"""Telehealth: clinician profiles and availability, appointments, messaging, video
rooms and session notes.

Times are stored in UTC. Recurring availability is stored as wall-clock times in the
clinician's own time zone and expanded per date (see `care.slots`), so a window that
starts at 09:00 stays at 09:00 local across daylight-saving changes.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mindhaven.core.encryption import EncryptedTextField
from mindhaven.safety import Level

BIO_MAX_LENGTH = 1_000
MESSAGE_MAX_LENGTH = 10_000
NOTE_SECTION_MAX_LENGTH = 20_000

_LEVELS = [(level.value, level.value) for level in Level]


class ClinicianProfile(models.Model):
    """A clinician's public profile and booking rules. Listed in the directory only
    when the clinician opts in."""

    clinician = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_profile"
    )
    credentials = models.CharField(_("credentials"), max_length=120, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    specialities = models.JSONField(_("specialities"), default=list, blank=True)
    bio = models.TextField(_("short bio"), max_length=BIO_MAX_LENGTH, blank=True)
    listed = models.BooleanField(_("listed in the directory"), default=False)
    accepting_new_clients = models.BooleanField(_("accepting new clients"), default=False)
    office_hours_note = models.CharField(_("office hours note"), max_length=300, blank=True)
    # Booking rules. `timezone` is the zone the weekly windows are written in.
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    slot_minutes = models.PositiveSmallIntegerField(_("session length (minutes)"), default=50)
    buffer_minutes = models.PositiveSmallIntegerField(_("buffer between sessions"), default=10)
    min_notice_hours = models.PositiveSmallIntegerField(_("minimum notice (hours)"), default=24)
    horizon_days = models.PositiveSmallIntegerField(_("booking horizon (days)"), default=180)
    cancel_notice_hours = models.PositiveSmallIntegerField(
        _("cancellation notice (hours)"), default=24
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=10) & Q(slot_minutes__lte=240),
                name="care_profile_slot_10_to_240",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of {self.clinician}"


class WeeklyWindow(models.Model):
    """A recurring window of availability, in the clinician's time zone. Weekday 0 is Monday."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_windows"
    )
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="care_window_weekday_0_6"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="care_window_end_after"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class AvailabilityException(models.Model):
    """A change to the weekly pattern on one date (in the clinician's zone): a day or
    part of a day off, or one-off extra hours."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", _("Not available")
        EXTRA = "extra", _("Extra hours")

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Both empty: the whole day (only for UNAVAILABLE).
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(end__gt=F("start"))),
                name="care_exception_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class Appointment(models.Model):
    """A booked session between a member and a clinician. Cancelled appointments stay
    (calendar feeds show them as cancelled)."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # An id the client may send so that a retried booking does not book twice.
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_appointments"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_appointments"
    )
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    # Bumped on every change, for the calendar feeds' SEQUENCE.
    sequence = models.PositiveIntegerField(default=0)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_1h_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            # No double booking: the database refuses a second booked appointment of the
            # same clinician at the same start (slots are a fixed grid per clinician; the
            # booking service also locks the clinician's profile row and checks overlap).
            models.UniqueConstraint(
                fields=["clinician", "start"],
                condition=Q(status="booked"),
                name="care_one_booking_per_clinician_start",
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="care_appt_end_after"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.member} with {self.clinician}"

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED


class CalendarFeed(models.Model):
    """A person's secret calendar feed URL; resetting it replaces the token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"


class Thread(models.Model):
    """The secure message thread between one member and one clinician."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_threads"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinician_threads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "clinician"], name="care_one_thread_per_pair")
        ]

    def __str__(self) -> str:
        return f"thread {self.member} / {self.clinician}"


class Message(models.Model):
    """One message. `code` is the id the client generated (idempotent sends)."""

    code = models.UUIDField(unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_messages"
    )
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # safety.assess_text's level, for what members write.
    safety_level = models.CharField(max_length=8, choices=_LEVELS, default=Level.NONE.value)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="care_message_thread_time")]

    def __str__(self) -> str:
        return f"message {self.code}"


class VideoRoom(models.Model):
    """The video room of one appointment: who waits, when the clinician admitted, when
    the call ended. Created on first use."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="room")
    member_waiting_since = models.DateTimeField(null=True, blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"room of {self.appointment_id}"


class NoteLockedError(Exception):
    """A change to a signed (locked) session note, or an amendment, was attempted."""


NOTE_SECTIONS = ("subjective", "objective", "assessment", "plan")
NOTE_LOCKED_FIELDS = (*NOTE_SECTIONS, "signed_at", "signed_digest", "author_id", "appointment_id")


class SessionNote(models.Model):
    """The clinician's note on one appointment (SOAP). Editable until signed; once signed
    it is locked, and changes are appended as amendments."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="session_note"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authored_session_notes"
    )
    subjective = EncryptedTextField(_("subjective"), blank=True)
    objective = EncryptedTextField(_("objective"), blank=True)
    assessment = EncryptedTextField(_("assessment"), blank=True)
    plan = EncryptedTextField(_("plan"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the signed content, so that any change after signing can be detected.
    signed_digest = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"note {self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse to change a signed note's content or signature (services check first;
        this catches any other code path that loads a note and saves it)."""
        if not self._state.adding:
            stored = SessionNote.objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_signed:
                changed = [
                    name
                    for name in NOTE_LOCKED_FIELDS
                    if getattr(stored, name) != getattr(self, name)
                ]
                if changed:
                    raise NoteLockedError(
                        f"a signed note cannot be changed ({', '.join(changed)}): add an amendment"
                    )
        super().save(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteAmendment(models.Model):
    """An addition to a signed note; amendments are never edited."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = EncryptedTextField(_("amendment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"amendment {self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Amendments are appended, never edited."""
        if not self._state.adding:
            stored = NoteAmendment.objects.filter(pk=self.pk).first()
            if stored is not None and (stored.body, stored.note_id) != (self.body, self.note_id):
                raise NoteLockedError("an amendment cannot be changed: add another one")
        super().save(*args, **kwargs)
