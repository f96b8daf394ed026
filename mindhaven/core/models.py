import uuid
from typing import Any, NoReturn

from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One read of a person's data by someone else. Append-only.

    People are kept by their public code and name at the time, not by foreign
    key, so that erasing an account never has to touch (update) this table: the
    events stay as a tombstone. On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_code = models.UUIDField(null=True, db_index=True)
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=16)
    subject_code = models.UUIDField(db_index=True)
    category = models.CharField(max_length=32)
    action = models.CharField(max_length=32)
    object_type = models.CharField(max_length=64, blank=True)
    object_code = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_code", "-at"])]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.action} {self.category} of {self.subject_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class ScheduledJob(models.Model):
    """When each periodic job (see core.schedule) last ran. A run is claimed by one
    conditional UPDATE, so several workers never start the same job twice at once."""

    name = models.CharField(max_length=80, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
