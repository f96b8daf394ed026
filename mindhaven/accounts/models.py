import hashlib
import uuid
import zoneinfo
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mindhaven.accounts.consent import PRIVACY_SUMMARY_VERSION


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class User(AbstractUser):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        CLINICIAN = "clinician", _("Clinician")
        MODERATOR = "moderator", _("Moderator")
        ADMIN = "admin", _("Administrator")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    locale = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    # ISO 3166-1 alpha-2; chooses crisis lines and the emergency number shown.
    country = models.CharField(_("country"), max_length=2, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    # Demo personas may skip the second factor so that the demo is usable.
    is_demo = models.BooleanField(default=False, editable=False)
    # When the retention warning went out (MINDHAVEN_RETENTION_DAYS); cleared at sign-in.
    retention_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the person agreed to the privacy summary, and to which version of it.
    privacy_agreed_at = models.DateTimeField(null=True, blank=True, editable=False)
    privacy_version = models.CharField(max_length=32, blank=True, editable=False)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def has_agreed_to_privacy(self) -> bool:
        return (
            self.privacy_agreed_at is not None and self.privacy_version == PRIVACY_SUMMARY_VERSION
        )

    @property
    def mfa_required(self) -> bool:
        staff = self.role in settings.MFA_REQUIRED_ROLES or self.is_staff or self.is_superuser
        return staff and not self.is_demo


# last_used_at is only as precise as this, so that a busy client costs no write per request.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class AccessToken(models.Model):
    """A personal access token for the API. Only its SHA-256 is stored."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters, shown in lists so that a person can tell tokens apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def record_use(self) -> None:
        """Remember when the token was last used, writing at most once a minute."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < TOKEN_USE_RESOLUTION:
            return
        AccessToken.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now


class CareLink(models.Model):
    """A member's link to a clinician. Ended links stay, for the member's history."""

    class How(models.TextChoices):
        DIRECTORY = "directory", _("Chosen from the directory")
        INVITE = "invite", _("Invite link")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_links")
    clinician = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_links")
    how = models.CharField(max_length=16, choices=How.choices)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "clinician"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_care_link",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.clinician}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ImmutableError(Exception):
    """Raised on a change that consent records do not allow."""


class ConsentGrant(models.Model):
    """Consent to show some categories to the linked clinician.

    Never edited, except that `revoked_at` is set once. A new set of categories is a
    new grant; the API's grant "id" is `code`.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    link = models.ForeignKey(CareLink, on_delete=models.CASCADE, related_name="grants")
    categories = models.JSONField(default=list)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    consent_text_version = models.CharField(max_length=32)

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.link}: {', '.join(self.categories)}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and list(kwargs.get("update_fields") or []) != ["revoked_at"]:
            raise ImmutableError("a consent grant can only be revoked, not changed")
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ConsentEventQuerySet(models.QuerySet["ConsentEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableError("consent history cannot be changed")

    def delete(self) -> NoReturn:
        raise ImmutableError("consent history cannot be deleted")


class ConsentEvent(models.Model):
    """One grant or revocation, as it happened. Append-only.

    People are kept by public code (no foreign keys), like core.AuditEvent, so that
    erasing an account never updates this table; the codes alone name nobody.
    """

    class Action(models.TextChoices):
        GRANT = "grant", _("Shared")
        REVOKE = "revoke", _("Stopped sharing")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    member_code = models.UUIDField(db_index=True)
    clinician_code = models.UUIDField()
    # Who made the change: the member, or the system when a link ended with an account.
    actor_code = models.UUIDField(null=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    categories = models.JSONField(default=list)
    grant_code = models.UUIDField()
    consent_text_version = models.CharField(max_length=32)
    request_id = models.CharField(max_length=64, blank=True)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["member_code", "-at"])]

    def __str__(self) -> str:
        return f"{self.action} {', '.join(self.categories)} ({self.member_code})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("consent history cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("consent history cannot be deleted")


# A finished export can be downloaded for this long; then its file is deleted.
EXPORT_LIFETIME = timedelta(hours=24)


def _export_expiry() -> datetime:
    return timezone.now() + EXPORT_LIFETIME


class ExportJob(models.Model):
    """One export of a person's data, built in the background into DATA_DIR/exports."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="export_jobs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=_export_expiry)
    # A random name under DATA_DIR/exports, never derived from the person.
    file_name = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.code} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.READY, self.Status.FAILED}

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.READY and bool(self.file_name) and not self.is_expired
