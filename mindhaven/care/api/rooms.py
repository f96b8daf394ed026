"""API operations for video rooms: the room's state and the ICE servers for a call.

Signalling itself goes over the socket `ws/care/rooms/<code>/` (care/signalling.py).
"""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema

from mindhaven.accounts.models import User
from mindhaven.care.ice import ice_servers_for, ice_transport_policy
from mindhaven.care.permissions import get_room_for_participant, room_window
from mindhaven.care.services import rooms as services

router = Router(tags=["care"])


class IceServer(Schema):
    urls: list[str]
    username: str | None = Field(None, description="TURN only: '<expiry>:<user code>'")
    credential: str | None = Field(None, description="TURN only: base64 HMAC-SHA1")


class IceOut(Schema):
    ice_servers: list[IceServer]
    ttl: int = Field(description="seconds the TURN credentials stay valid")
    ice_transport_policy: str = Field(
        description='"relay" when calls must go through TURN (no address is shared), else "all"'
    )


class RoomOut(Schema):
    appointment: UUID
    role: str = Field(description='"member" or "clinician"')
    start: datetime
    end: datetime
    opens_at: datetime = Field(description="when the room opened to you")
    closes_at: datetime
    member_waiting_since: datetime | None
    admitted_at: datetime | None
    ended_at: datetime | None
    socket: str = Field(description="the signalling socket's path")


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


@router.get("/care/rooms/{code}", response=RoomOut, summary="A video room's state")
def get_room(request: HttpRequest, code: str) -> dict[str, Any]:
    """The room of an appointment, for its member or clinician while it is open to them
    (the member from 10 minutes before the start); 404 for anyone else or when closed."""
    user = _user(request)
    room = get_room_for_participant(user, code, request=request)
    appointment = room.appointment
    opens, closes = room_window(appointment, user)
    return {
        "appointment": appointment.code,
        "role": services.role_in(room, user),
        "start": appointment.start,
        "end": appointment.end,
        "opens_at": opens,
        "closes_at": closes,
        "member_waiting_since": room.member_waiting_since,
        "admitted_at": room.admitted_at,
        "ended_at": room.ended_at,
        "socket": f"/ws/care/rooms/{appointment.code}/",
    }


@router.get("/care/rooms/{code}/ice", response=IceOut, summary="ICE servers for a call")
def get_ice_servers(request: HttpRequest, code: str) -> dict[str, Any]:
    """STUN and TURN servers for this call, with TURN credentials made for you (coturn's
    shared-secret scheme); fetch them again before they expire (`ttl`)."""
    user = _user(request)
    get_room_for_participant(user, code, request=request)
    return {
        "ice_servers": ice_servers_for(user),
        "ttl": settings.MINDHAVEN_TURN_TTL,
        "ice_transport_policy": ice_transport_policy(),
    }
