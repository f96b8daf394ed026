"""API for "who viewed my data": the signed-in person's access log, newest first."""

import base64
import binascii
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from mindhaven.accounts.models import User
from mindhaven.accounts.views.access_log import events_about
from mindhaven.core.models import AuditEvent

router = Router(tags=["me"])


class AccessEventOut(Schema):
    actor: str = Field(description="username of the person who looked")
    actor_role: str = Field(description="their role then: clinician, moderator, admin, member")
    category: str = Field(description="what was looked at: mood, journal, assessments, ...")
    action: str = Field(description="what they did: view, list, ...")
    at: str = Field(description="when, ISO 8601 in your time zone, with its offset")


class AccessLogOut(Schema):
    items: list[AccessEventOut]
    next_cursor: str | None = Field(
        None, description="pass as cursor for the next (older) page; null on the last page"
    )


class AccessLogFilters(Schema):
    limit: int = Field(50, ge=1, le=200, description="at most this many (1 to 200)")
    cursor: str | None = Field(None, description="next_cursor of the previous page")


def encode_cursor(event: AuditEvent) -> str:
    return base64.urlsafe_b64encode(f"{event.at.isoformat()}|{event.pk}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise HttpError(422, "cursor: not a cursor this API returned") from exc


@router.get("/me/access-log", response=AccessLogOut)
def access_log(request: HttpRequest, filters: Query[AccessLogFilters]) -> dict[str, object]:
    """Every read of your data by someone else, newest first, times in your time zone."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    events = events_about(user)
    if filters.cursor:
        at, pk = decode_cursor(filters.cursor)
        events = events.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    page = list(events[: filters.limit + 1])
    zone = ZoneInfo(user.timezone)
    items = [
        {
            "actor": event.actor_username,
            "actor_role": event.actor_role,
            "category": event.category,
            "action": event.action,
            "at": event.at.astimezone(zone).isoformat(),
        }
        for event in page[: filters.limit]
    ]
    more = len(page) > filters.limit
    return {"items": items, "next_cursor": encode_cursor(page[filters.limit - 1]) if more else None}
