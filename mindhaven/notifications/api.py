"""API operations for notifications: the signed-in person's own, newest first."""

from datetime import datetime
from typing import cast
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from mindhaven.accounts.models import User
from mindhaven.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    code: UUID
    kind: str
    title: str
    body: str
    url: str = Field(description="a path on this site, or empty")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_url(obj: Notification) -> str:
        return obj.link


class NotificationFilters(Schema):
    unread: bool = Field(False, description="only notifications not yet read")
    limit: int = Field(50, ge=1, le=200, description="at most this many (1 to 200)")


@router.get("/notifications", response=list[NotificationOut])
def list_notifications(
    request: HttpRequest, filters: Query[NotificationFilters]
) -> list[Notification]:
    """The signed-in person's notifications, newest first."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    notifications = user.notifications.all()
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    return list(notifications[: filters.limit])
