from datetime import datetime, time, timedelta, timezone

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mindhaven.core.encryption import EncryptedTextField
from mindhaven.safety import Level

NOTE_MAX_LENGTH = 10_000
NAME_MAX_LENGTH = 60


class MoodEntry(models.Model):
    """One check-in. `code` is the id the client generated, which makes creates idempotent."""

    class Mood(models.IntegerChoices):
        AWFUL = 1, _("awful")
        BAD = 2, _("bad")
        OKAY = 3, _("okay")
        GOOD = 4, _("good")
        GREAT = 5, _("great")

    code = models.UUIDField(unique=True, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_entries"
    )
    recorded_at = models.DateTimeField(_("time"))
    # The UTC offset the time was given with, so that it is returned as it was sent.
    recorded_offset_minutes = models.SmallIntegerField(default=0)
    mood = models.PositiveSmallIntegerField(_("mood"), choices=Mood.choices)
    # Names as the member wrote them, so that renaming a list item never rewrites history.
    emotions = models.JSONField(_("emotions"), default=list, blank=True)
    activities = models.JSONField(_("activities"), default=list, blank=True)
    sleep_hours = models.FloatField(_("hours of sleep"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    # safety.assess_text's level for the note, set whenever the note is stored.
    safety_level = models.CharField(
        max_length=8,
        choices=[(level.value, level.value) for level in Level],
        default=Level.NONE.value,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-recorded_at", "-code"]
        indexes = [models.Index(fields=["member", "-recorded_at"], name="mood_entry_member_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mood__gte=1) & Q(mood__lte=5), name="mood_entry_mood_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(sleep_hours__isnull=True)
                | (Q(sleep_hours__gte=0) & Q(sleep_hours__lte=24)),
                name="mood_entry_sleep_0_to_24",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d %H:%M} {self.get_mood_display()}"

    @property
    def recorded_at_with_offset(self) -> datetime:
        """The time in the offset the client sent it with."""
        offset = timezone(timedelta(minutes=self.recorded_offset_minutes))
        return self.recorded_at.astimezone(offset)

    @property
    def face(self) -> str:
        return MOOD_FACES[self.mood]


MOOD_FACES = {1: "😣", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


class Activity(models.Model):
    """An item of a member's own activity list; defaults are created the first time."""

    class Group(models.TextChoices):
        HEALTH = "health", _("Health")
        SOCIAL = "social", _("People")
        DUTIES = "duties", _("Work and duties")
        HOBBIES = "hobbies", _("Hobbies")
        SUBSTANCES = "substances", _("Food and drink")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_activities"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    group = models.CharField(_("group"), max_length=16, choices=Group.choices, default=Group.OTHER)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["member", "name"], name="mood_activity_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Emotion(models.Model):
    """An item of a member's emotion list; defaults are created the first time."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_emotions"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["member", "name"], name="mood_emotion_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


# --- reminders and streaks ---------------------------------------------------------


def _default_reminder_time() -> time:
    return time(20, 0)


class ReminderSetting(models.Model):
    """A member's daily reminder and streak preferences; both are off until they choose.

    `local_time` is a wall-clock time in the member's time zone (User.timezone), so a
    09:00 reminder stays at 09:00 across daylight-saving changes (mood/reminders.py).
    `snoozed_until` (UTC) delays today's reminder; set to the next local midnight it
    skips today.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_setting"
    )
    enabled = models.BooleanField(_("daily reminder"), default=False)
    local_time = models.TimeField(_("reminder time"), default=_default_reminder_time)
    email_enabled = models.BooleanField(_("also by email"), default=False)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    show_streak = models.BooleanField(_("show my streak"), default=False)
    # When the time or on/off last changed: a reminder due before then is not sent,
    # so that turning reminders on at 15:00 for 09:00 does not remind at once.
    schedule_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.member_id} {self.local_time:%H:%M} {'on' if self.enabled else 'off'}"


class ReminderDelivery(models.Model):
    """A member's reminder for one local date: its row is the claim to send it.

    The unique (member, local_date) makes sending idempotent: a second run of the task,
    or a second worker, fails to create the row and sends nothing. A snoozed reminder is
    sent again by moving `last_sent_at` forward in one conditional UPDATE, which also
    only one worker can win.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    local_date = models.DateField()
    sent_at = models.DateTimeField()
    last_sent_at = models.DateTimeField()
    sends = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-local_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "local_date"], name="mood_reminder_once_per_local_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.local_date}"
