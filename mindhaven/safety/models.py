"""The member's safety plan, and the alerts that tell a clinician someone may need help."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mindhaven.core.encryption import EncryptedTextField
from mindhaven.safety.assess import Level

# The Stanley-Brown sections, in the order a plan is read in a crisis. The keys are part
# of the API: never rename one.
TEXT_SECTIONS = (
    "warning_signs",
    "coping_strategies",
    "distractions",
    "environment",
    "reasons_for_living",
)
# Sections whose items are people or services to call: {"name", "phone"}.
CONTACT_SECTIONS = ("people", "professionals")
SECTION_KEYS = (
    "warning_signs",
    "coping_strategies",
    "distractions",
    "people",
    "professionals",
    "environment",
    "reasons_for_living",
)

Sections = dict[str, list[Any]]


def empty_sections() -> Sections:
    return {key: [] for key in SECTION_KEYS}


class SafetyPlan(models.Model):
    """One member's plan. Every section is kept in one encrypted JSON text."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan"
    )
    content = EncryptedTextField(_("safety plan"), blank=True)
    # safety.assess_text's level for the plan's text, kept for the record: a plan names
    # crisis thoughts by design, so it raises no alert (docs/decisions.md).
    safety_level = models.CharField(
        max_length=8,
        choices=[(level.value, level.value) for level in Level],
        default=Level.NONE.value,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"safety plan {self.code}"

    @property
    def sections(self) -> Sections:
        """Every section, present even when empty, from the decrypted JSON."""
        stored = json.loads(self.content) if self.content else {}
        sections = empty_sections()
        for key in SECTION_KEYS:
            value = stored.get(key)
            if isinstance(value, list):
                sections[key] = value
        return sections

    @property
    def is_empty(self) -> bool:
        return not any(self.sections.values())


class SafetyAlert(models.Model):
    """A member may need help: one alert per clinician told, until they acknowledge it.

    It holds no text the member wrote, only where and when (and how it was raised).
    """

    class Source(models.TextChoices):
        MOOD = "mood", _("mood check-in")
        PANEL = "panel", _("support panel")
        MESSAGES = "messages", _("secure message")
        VIDEO = "video", _("video call chat")

    class Trigger(models.TextChoices):
        AUTOMATIC = "automatic", _("automatic, with the member's consent")
        MEMBER = "member", _("the member asked")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_alerts"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_alerts_received"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    level = models.CharField(
        max_length=8,
        choices=[(level.value, level.value) for level in Level],
        default=Level.URGENT.value,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Always the alert's clinician: erasing their account removes the alert anyway.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"safety alert {self.code}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
