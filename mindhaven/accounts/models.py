import hashlib
import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

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
