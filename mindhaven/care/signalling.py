"""Call signalling: the socket of one appointment's video room, `ws/care/rooms/<code>/`.

The socket is authorised in `connect()` through `get_room_for_participant` (the
function the page and the API use): anonymous sockets are closed with 4401, anyone but
the appointment's member and clinician (or outside the room's time window) with 4404,
and staff without a second factor with 4403.
It joins the group "care.room.<code>"; nothing about who is in the room is kept in the
process, so the two people may be connected to different server processes (the group
crosses them through the Redis channel layer).

What the page sends (JSON objects; anything else is dropped, logged, and answered
with {"type": "error", "field", "message"}; the socket stays open):

- {"type": "join", "peer": <uuid>}: I am here, with this peer connection. The member's
  join puts them in the waiting room (`services.rooms.enter_waiting_room`), and their
  socket closing before admission takes them out (`leave_waiting_room`). The
  other side hears {"type": "presence", "role", "present": true, "peer"}, and the
  newcomer hears who is already there. A second socket of the same person replaces
  the first, which is told {"type": "replaced"} and closed with 4409.
- {"type": "admit"}: the clinician admits the member (`admit_member`).
- {"type": "offer"|"answer", "sdp": "v=0..."} and {"type": "candidate", "candidate":
  {...}}: relayed to the other participant only, and only once admitted.
- {"type": "media", "audio": bool, "video": bool}: whether this side's microphone and
  camera are on, relayed like the signals, so the other page can say "microphone off"
  instead of showing a silent black picture.
- {"type": "chat", "id": <uuid>, "text": "..."}: in-call chat (`send_call_chat`).
- {"type": "hangup"}: ends the call for both (`end_call`).
- {"type": "ping"}: answered with {"type": "pong"}, so that the page can tell a socket
  that died without closing (the network changed under it) from a quiet one
  (core/static/core/liveness.js).

Each socket is rate limited (SIGNAL_LIMIT for everything but chat, CHAT_LIMIT for chat):
a message over the limit is dropped, logged and answered with an error (field
"message"); a client that keeps flooding is closed with 4429 (CLOSE_TOO_MANY_MESSAGES).

What the server sends: {"type": "state", ...} first, then "presence", "admitted",
"ended", the relayed signals (with the sender's "peer"), "chat", "error", "pong".
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any
from uuid import UUID

from allauth.mfa.utils import is_mfa_enabled
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from mindhaven.accounts.consumers import (
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY_MESSAGES,
    CLOSE_UNAUTHENTICATED,
)
from mindhaven.accounts.models import User
from mindhaven.care.models import VideoRoom
from mindhaven.care.permissions import get_room_for_participant
from mindhaven.care.services import rooms as services
from mindhaven.core.ratelimit import FloodLimit, Verdict

logger = logging.getLogger("mindhaven.care.signalling")

# Staff without a second factor, as the API's 403 (RequireMFAMiddleware for pages).
CLOSE_MFA_REQUIRED = 4403
# Another socket of the same person took over (HTTP 409, conflict).
CLOSE_REPLACED = 4409
MESSAGE_MAX_BYTES = 128 * 1024
SDP_MAX_LENGTH = 64 * 1024
CANDIDATE_MAX_LENGTH = 1024
MID_MAX_LENGTH = 64
UFRAG_MAX_LENGTH = 256
MAX_MLINE_INDEX = 64
RELAYED = frozenset({"offer", "answer", "candidate", "media"})
CLIENT_TYPES = frozenset({"join", "admit", "chat", "hangup", "ping", *RELAYED})
CANDIDATE_RE = re.compile(r"^(a=)?candidate:\S")
# Rate limits per socket, as (burst, sustained per second); 3 x burst dropped within
# burst / rate seconds closes the socket (see FloodLimit).
# Signalling is generous: ICE gathering sends a burst of candidates (a few per
# network interface, STUN and TURN each, more with several media sections), and a
# reconnect resends join plus a fresh offer and candidates.
SIGNAL_LIMIT = (60, 20.0)
# In-call chat lines are typed by people: 10 at once, then one a second.
CHAT_LIMIT = (10, 1.0)


class BadMessage(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _uuid(value: object, field: str) -> UUID:
    if not isinstance(value, str):
        raise BadMessage(field, "must be a UUID")
    try:
        return UUID(value)
    except ValueError:
        raise BadMessage(field, "must be a UUID") from None


def clean_message(raw: str | None) -> dict[str, Any]:
    """The client's message as a dict of known shape; BadMessage naming the field else."""
    if raw is None:
        raise BadMessage("message", "must be a text frame")
    if len(raw.encode()) > MESSAGE_MAX_BYTES:
        raise BadMessage("message", f"must be at most {MESSAGE_MAX_BYTES} bytes")
    try:
        message = json.loads(raw)
    except ValueError:
        raise BadMessage("message", "must be JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("message", "must be a JSON object")
    kind = message.get("type")
    if kind not in CLIENT_TYPES:
        raise BadMessage("type", "must be one of " + ", ".join(sorted(CLIENT_TYPES)))
    if kind in {"offer", "answer"}:
        sdp = message.get("sdp")
        if not isinstance(sdp, str):
            raise BadMessage("sdp", "must be a string")
        if len(sdp) > SDP_MAX_LENGTH:
            raise BadMessage("sdp", f"must be at most {SDP_MAX_LENGTH} characters")
        if not sdp.startswith("v=0"):
            raise BadMessage("sdp", "must be a session description starting with v=0")
        return {"type": kind, "sdp": sdp}
    if kind == "candidate":
        return {"type": kind, "candidate": clean_candidate(message.get("candidate"))}
    if kind == "media":
        state = {}
        for field in ("audio", "video"):
            if not isinstance(message.get(field), bool):
                raise BadMessage(field, "must be true or false")
            state[field] = message[field]
        return {"type": kind, **state}
    if kind == "join":
        return {"type": kind, "peer": str(_uuid(message.get("peer"), "peer"))}
    if kind == "chat":
        return {"type": kind, "id": _uuid(message.get("id"), "id"), "text": message.get("text")}
    return {"type": kind}


def clean_candidate(candidate: object) -> dict[str, Any]:
    """An RTCIceCandidateInit with only its four known fields, each checked."""
    if not isinstance(candidate, dict):
        raise BadMessage("candidate", "must be an object")
    line = candidate.get("candidate")
    if not isinstance(line, str):
        raise BadMessage("candidate.candidate", "must be a string")
    if len(line) > CANDIDATE_MAX_LENGTH:
        raise BadMessage("candidate.candidate", f"must be at most {CANDIDATE_MAX_LENGTH} chars")
    if line and not CANDIDATE_RE.match(line):
        raise BadMessage("candidate.candidate", 'must start with "candidate:" or be empty')
    mid = candidate.get("sdpMid")
    if mid is not None and (not isinstance(mid, str) or len(mid) > MID_MAX_LENGTH):
        raise BadMessage("candidate.sdpMid", "must be a short string or null")
    index = candidate.get("sdpMLineIndex")
    if index is not None and (
        not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= MAX_MLINE_INDEX
    ):
        raise BadMessage("candidate.sdpMLineIndex", f"must be 0 to {MAX_MLINE_INDEX} or null")
    if mid is None and index is None:
        raise BadMessage("candidate", "needs sdpMid or sdpMLineIndex")
    ufrag = candidate.get("usernameFragment")
    if ufrag is not None and (not isinstance(ufrag, str) or len(ufrag) > UFRAG_MAX_LENGTH):
        raise BadMessage("candidate.usernameFragment", "must be a short string or null")
    return {"candidate": line, "sdpMid": mid, "sdpMLineIndex": index, "usernameFragment": ufrag}


def needs_second_factor(user: User) -> bool:
    """The rule of RequireMFAMiddleware and the API: staff roles need 2FA first."""
    return user.mfa_required and not is_mfa_enabled(user)


class SignallingConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    """One participant's socket in a video room (see the module docstring)."""

    room: VideoRoom | None = None
    user: User | None = None
    role = ""
    group = ""
    peer = ""
    admitted = False
    replaced = False
    flooded = False
    limits: dict[str, FloodLimit]
    # The rate limits' clock; tests replace it with a fake one.
    clock = staticmethod(time.monotonic)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if await database_sync_to_async(needs_second_factor)(user):
            await self.close(code=CLOSE_MFA_REQUIRED)
            return
        code = self.scope["url_route"]["kwargs"]["code"]
        try:
            self.room = await database_sync_to_async(get_room_for_participant)(
                user, code, request_id=f"ws-{self.channel_name[-12:]}"
            )
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.user = user
        self.role = services.role_in(self.room, user)
        self.group = services.room_group(self.room)
        self.admitted = self.room.admitted_at is not None and self.room.ended_at is None
        self.limits = {
            "signal": FloodLimit(SIGNAL_LIMIT[1], SIGNAL_LIMIT[0], clock=self.clock),
            "chat": FloodLimit(CHAT_LIMIT[1], CHAT_LIMIT[0], clock=self.clock),
        }
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        appointment = self.room.appointment
        other = appointment.clinician if self.role == services.MEMBER else appointment.member
        await self.send_json(
            {
                "type": "state",
                "role": self.role,
                "admitted": self.admitted,
                "ended": self.room.ended_at is not None,
                "peer_name": other.name,
            }
        )

    async def disconnect(self, code: int) -> None:
        if not self.group:
            return
        if self.peer and not self.replaced:
            await self._to_group("room.presence", present=False)
            if self.role == services.MEMBER:
                assert self.room is not None and self.user is not None
                await database_sync_to_async(services.leave_waiting_room)(
                    room=self.room, member=self.user
                )
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            try:
                message = clean_message(text_data)
            except BadMessage:
                # Malformed messages count against the signalling limit too.
                if await self._within_limit("signal", text_data):
                    raise
                return
            bucket = "chat" if message["type"] == "chat" else "signal"
            if await self._within_limit(bucket, text_data):
                await self.handle(message)
        except BadMessage as error:
            self._log_dropped(error.field, error.message, text_data)
            await self.send_json({"type": "error", "field": error.field, "message": error.message})
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self._log_dropped(field, "; ".join(messages), text_data)
                await self.send_json({"type": "error", "field": field, "message": messages[0]})

    async def _within_limit(self, bucket: str, raw: str | None) -> bool:
        """Take from the bucket; over it, drop the message with an error (and close
        with 4429 when the client keeps flooding)."""
        assert self.user is not None
        if self.flooded:
            return False  # closing already: drop whatever was still in flight
        verdict = self.limits[bucket].check()
        if verdict is Verdict.ALLOW:
            return True
        closing = "; closing the socket" if verdict is Verdict.CLOSE else ""
        self._log_dropped("message", "over the rate limit" + closing, raw)
        with translation.override(self.user.locale):
            text = _("Too many messages: wait a moment and try again.")
        await self.send_json({"type": "error", "field": "message", "message": text})
        if verdict is Verdict.CLOSE:
            self.flooded = True
            await self.close(code=CLOSE_TOO_MANY_MESSAGES)
        return False

    def _log_dropped(self, field: str, reason: str, raw: str | None) -> None:
        assert self.room is not None and self.user is not None
        kind = "?"
        if raw:
            match = re.search(r'"type"\s*:\s*"([a-z]{1,16})"', raw[:200])
            kind = match[1] if match else "?"
        logger.warning(
            "dropped a %s message from user %s in room %s: %s %s",
            kind,
            self.user.code,
            self.room.appointment.code,
            field,
            reason,
        )

    async def handle(self, message: dict[str, Any]) -> None:
        assert self.room is not None and self.user is not None
        kind = message["type"]
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "join":
            self.peer = message["peer"]
            if self.role == services.MEMBER:
                await database_sync_to_async(services.enter_waiting_room)(
                    room=self.room, member=self.user
                )
            await self._to_group("room.presence", present=True, reply=False)
        elif kind == "admit":
            if self.role != services.CLINICIAN:
                raise BadMessage("type", "only the clinician admits")
            await database_sync_to_async(services.admit_member)(room=self.room, clinician=self.user)
        elif kind == "hangup":
            await database_sync_to_async(services.end_call)(room=self.room, by=self.user)
        elif kind == "chat":
            if not self.admitted:
                raise BadMessage("type", "chat opens once the member is admitted")
            await database_sync_to_async(services.send_call_chat)(
                room=self.room, author=self.user, text=message["text"], client_id=message["id"]
            )
        else:  # offer, answer, candidate, media
            if not self.admitted:
                raise BadMessage("type", "signalling starts once the member is admitted")
            if not self.peer:
                raise BadMessage("type", "send join first")
            await self._to_group("room.signal", signal=message)

    async def _to_group(self, event_type: str, **fields: Any) -> None:
        event = {
            "type": event_type,
            "role": self.role,
            "sender": self.channel_name,
            "peer": self.peer,
            **fields,
        }
        await self.channel_layer.group_send(self.group, event)

    # --- events from the group -------------------------------------------------

    async def room_presence(self, event: dict[str, Any]) -> None:
        if event["sender"] == self.channel_name:
            return
        if event["role"] == self.role:
            if event["present"]:
                # The same person joined again (a reconnect or another tab): this one goes.
                self.replaced = True
                await self.send_json({"type": "replaced"})
                await self.close(code=CLOSE_REPLACED)
            return
        await self.send_json(
            {
                "type": "presence",
                "role": event["role"],
                "present": event["present"],
                "peer": event["peer"],
            }
        )
        if event["present"] and not event.get("reply", True) and self.peer:
            # Tell the newcomer that this side is here too.
            await self.channel_layer.send(
                event["sender"],
                {
                    "type": "room.presence",
                    "role": self.role,
                    "sender": self.channel_name,
                    "peer": self.peer,
                    "present": True,
                    "reply": True,
                },
            )

    async def room_signal(self, event: dict[str, Any]) -> None:
        if event["sender"] == self.channel_name or event["role"] == self.role:
            return
        await self.send_json({**event["signal"], "peer": event["peer"]})

    async def room_admitted(self, event: dict[str, Any]) -> None:
        self.admitted = True
        await self.send_json({"type": "admitted"})

    async def room_ended(self, event: dict[str, Any]) -> None:
        self.admitted = False
        await self.send_json({"type": "ended", "by": event["by"]})

    async def room_chat(self, event: dict[str, Any]) -> None:
        line = {key: event[key] for key in ("id", "role", "name", "text", "at", "urgent")}
        # Only the member's own page opens the support panel; the clinician sees the flag.
        await self.send_json({"type": "chat", **line, "mine": event["role"] == self.role})
