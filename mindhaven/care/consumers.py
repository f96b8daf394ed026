"""Secure messaging over a websocket: `ws/care/threads/<uuid:code>/`.

(The video call's signalling consumer lives in `care/signalling.py`.)
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mindhaven.accounts.consumers import (
    CLOSE_CONSENT_REVOKED,
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY_MESSAGES,
    CLOSE_UNAUTHENTICATED,
)
from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import has_consent
from mindhaven.accounts.services import PRIVACY_AGREEMENT_DETAIL, consent_group
from mindhaven.care.models import Message, Thread
from mindhaven.care.permissions import MESSAGES, get_thread_for_participant
from mindhaven.care.services.messaging import mark_thread_read, send_message, thread_group
from mindhaven.core.ratelimit import FloodLimit, Verdict
from mindhaven.safety import Level
from mindhaven.safety.panel import panel_context

logger = logging.getLogger("mindhaven.care.consumers")

# At most this many messages are sent back by one replay (the newest of them).
REPLAY_MAX = 500

# Rate limits per socket, as (burst, sustained per second); see FloodLimit for the
# flood rule (3 x burst dropped within burst / rate seconds closes with 4429).
# message.send: people type; 10 at once (a pasted list, or the page resending what
# was pending after a reconnect) then one a second is far above a real conversation
# and far below a script filling the other person's thread.
SEND_LIMIT = (10, 1.0)
# replay renders up to REPLAY_MAX messages; the page sends one per (re)connect.
REPLAY_LIMIT = (3, 0.1)
# read (sent for each message that arrives while the page is visible, so about as
# often as the other person's sends), and anything malformed or of an unknown type.
OTHER_LIMIT = (10, 1.0)


def render_message(message: Message, viewer: User) -> str:
    """One message as the thread page shows it, in the viewer's language and zone."""
    with translation.override(viewer.locale), timezone.override(viewer.timezone):
        return render_to_string(
            "care/messaging/thread.html#message-item", {"message": message, "viewer": viewer}
        )


def render_panel(member: User) -> str:
    """The urgent support panel for the member, in their language."""
    with translation.override(member.locale):
        return render_to_string("safety/panel.html", {"panel": panel_context(member)})


def _errors(exc: ValidationError | PermissionDenied, client_code: str) -> dict[str, Any]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    elif isinstance(exc, ValidationError):
        errors = [{"field": "non_field", "message": message} for message in exc.messages]
    else:
        errors = [{"field": "thread", "message": str(exc)}]
    return {"type": "error", "code": client_code, "errors": errors}


class ThreadConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """One thread's socket, for its member or its clinician.

    Authorised in `connect()` through `get_thread_for_participant` (anonymous: close
    4401; anyone else, or a code that does not exist: 4404). The clinician's connection
    is an audited read, and the socket follows the member's consent: it joins
    `accounts.consent.<member code>` and closes with 4403 once `messages` is revoked.

    The page sends:
    - {"type": "message.send", "code": "<uuid>", "body": "..."}: stored through
      `send_message`; answered with {"type": "message.ack", "code", "created"} (plus
      "panel", the support panel's HTML, when the member's text was urgent), or
      {"type": "error", "code", "errors": [{"field", "message"}]} with nothing stored.
    - {"type": "replay", "after": "<message code>" | null}: every message after that
      one (all, when null or unknown) as message.posted, then {"type": "replay.done"}.
    - {"type": "read"}: marks what the other person sent as read.
    - {"type": "ping"}: answered with {"type": "pong"} (core/static/core/liveness.js:
      the page tells a socket that died without closing from a quiet one).
    Each socket is rate limited per kind (SEND_LIMIT, REPLAY_LIMIT, OTHER_LIMIT): a
    message over its limit is dropped and answered with an error (field "non_field"),
    and a client that keeps flooding is closed with 4429 (CLOSE_TOO_MANY_MESSAGES).
    It hears `message.posted` ({"code", "author", "mine", "html"}) and `thread.read`
    ({"reader", "mine", "messages", "read_at"}) from the thread's group.
    """

    thread: Thread | None = None
    viewer: User | None = None
    joined: tuple[str, ...] = ()
    limits: dict[str, FloodLimit]
    flooded = False
    # The rate limits' clock; tests replace it with a fake one.
    clock = staticmethod(time.monotonic)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        code = self.scope["url_route"]["kwargs"]["code"]
        try:
            thread = await database_sync_to_async(get_thread_for_participant)(user, code)
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.thread, self.viewer = thread, user
        groups = [thread_group(thread)]
        if user.pk == thread.clinician_id:
            groups.append(consent_group(thread.member))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined = tuple(groups)
        self.limits = {
            kind: FloodLimit(rate, burst, clock=self.clock)
            for kind, (burst, rate) in (
                ("message.send", SEND_LIMIT),
                ("replay", REPLAY_LIMIT),
                ("other", OTHER_LIMIT),
            )
        }
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = json.loads(text_data or "")
        except ValueError:
            content = None
        kind = content.get("type") if isinstance(content, dict) else None
        if not await self._within_limit(content, kind):
            return
        if not isinstance(content, dict):
            await self._error("", "type", _("Send a JSON object with a type."))
            return
        if kind == "message.send":
            await self._send_message(content)
        elif kind == "replay":
            await self._replay(content.get("after"))
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "read":
            assert self.viewer is not None and self.thread is not None
            await database_sync_to_async(mark_thread_read)(reader=self.viewer, thread=self.thread)
        else:
            await self._error("", "type", _("Unknown type: use message.send, replay or read."))

    async def _within_limit(self, content: object, kind: object) -> bool:
        """Take from the message kind's bucket; over it, drop the message with an error
        (and close with 4429 when the client keeps flooding)."""
        assert self.viewer is not None and self.thread is not None
        if self.flooded:
            return False  # closing already: drop whatever was still in flight
        bucket = kind if isinstance(kind, str) and kind in ("message.send", "replay") else "other"
        verdict = self.limits[bucket].check()
        if verdict is Verdict.ALLOW:
            return True
        logger.warning(
            "rate limit: dropped a %s message from user %s in thread %s%s",
            kind if isinstance(kind, str) else "?",
            self.viewer.code,
            self.thread.code,
            "; closing the socket" if verdict is Verdict.CLOSE else "",
        )
        raw_code = content.get("code") if isinstance(content, dict) else None
        client_code = raw_code if kind == "message.send" and isinstance(raw_code, str) else ""
        with translation.override(self.viewer.locale):
            message = _("Too many messages: wait a moment and try again.")
        # "retry": nothing is wrong with the message itself; the page keeps it and sends
        # it again later (nothing a person wrote is dropped).
        await self._error(client_code[:64], "non_field", message, retry=True)
        if verdict is Verdict.CLOSE:
            self.flooded = True
            await self.close(code=CLOSE_TOO_MANY_MESSAGES)
        return False

    async def _error(
        self, client_code: str, field: str, message: str, *, retry: bool = False
    ) -> None:
        errors = [{"field": field, "message": message}]
        event: dict[str, Any] = {"type": "error", "code": client_code, "errors": errors}
        if retry:
            event["retry"] = True
        await self.send_json(event)

    async def _send_message(self, content: dict[str, Any]) -> None:
        raw_code, body = content.get("code"), content.get("body")
        try:
            code = UUID(str(raw_code)) if isinstance(raw_code, str) else None
        except ValueError:
            code = None
        if code is None:
            await self._error(str(raw_code or ""), "code", _("Send a UUID as the message's code."))
            return
        try:
            reply = await database_sync_to_async(self._store)(code, body)
        except (ValidationError, PermissionDenied) as exc:
            await self.send_json(_errors(exc, str(code)))
            return
        await self.send_json(reply)

    def _store(self, code: UUID, body: object) -> dict[str, Any]:
        assert self.viewer is not None and self.thread is not None
        # As on the page and the API: a member's writes need the current privacy agreement.
        self.viewer.refresh_from_db(fields=["privacy_agreed_at", "privacy_version"])
        if self.viewer.role == User.Role.MEMBER and not self.viewer.has_agreed_to_privacy:
            raise PermissionDenied(PRIVACY_AGREEMENT_DETAIL)
        message, created = send_message(
            author=self.viewer,
            thread=self.thread,
            body=body,  # type: ignore[arg-type]  # checked by the service
            code=code,
        )
        reply: dict[str, Any] = {"type": "message.ack", "code": str(code), "created": created}
        if message.author_id == self.thread.member_id and message.safety_level == Level.URGENT:
            reply["panel"] = render_panel(self.viewer)
        return reply

    async def _replay(self, after: object) -> None:
        rendered = await database_sync_to_async(self._replay_messages)(after)
        for item in rendered:
            await self.send_json(item)
        await self.send_json({"type": "replay.done", "count": len(rendered)})

    def _replay_messages(self, after: object) -> list[dict[str, Any]]:
        assert self.viewer is not None and self.thread is not None
        messages = Message.objects.filter(thread=self.thread).select_related("author")
        last_seen = None
        if isinstance(after, str):
            try:
                last_seen = messages.filter(code=UUID(after)).first()
            except ValueError:
                last_seen = None
        if last_seen is not None:
            messages = messages.filter(created_at__gte=last_seen.created_at).exclude(
                created_at=last_seen.created_at, id__lte=last_seen.pk
            )
        newest = list(messages.order_by("-created_at", "-id")[:REPLAY_MAX])
        return [self._posted(message) for message in reversed(newest)]

    def _posted(self, message: Message) -> dict[str, Any]:
        assert self.viewer is not None
        return {
            "type": "message.posted",
            "code": str(message.code),
            "author": str(message.author.code),
            "mine": message.author_id == self.viewer.pk,
            "html": render_message(message, self.viewer),
        }

    def _load(self, code: str) -> dict[str, Any] | None:
        assert self.viewer is not None and self.thread is not None
        # Between a revocation and the close, nothing more reaches the clinician.
        if self.viewer.pk == self.thread.clinician_id and not has_consent(
            clinician=self.viewer, member=self.thread.member, category=MESSAGES
        ):
            return None
        message = (
            Message.objects.filter(thread=self.thread, code=code).select_related("author").first()
        )
        return self._posted(message) if message is not None else None

    # --- events from the groups -------------------------------------------------------

    async def message_posted(self, event: dict[str, Any]) -> None:
        item = await database_sync_to_async(self._load)(event["message"])
        if item is not None:
            await self.send_json(item)

    async def thread_read(self, event: dict[str, Any]) -> None:
        assert self.viewer is not None
        await self.send_json(
            {
                "type": "thread.read",
                "reader": event["reader"],
                "mine": event["reader"] == str(self.viewer.code),
                "messages": event["messages"],
                "read_at": event["read_at"],
            }
        )

    async def consent_revoked(self, event: dict[str, Any]) -> None:
        """The member stopped sharing something: close the clinician's socket when it
        was `messages` and no other grant still covers it."""
        assert self.viewer is not None and self.thread is not None
        if self.viewer.pk != self.thread.clinician_id:
            return
        if event.get("clinician") != str(self.viewer.code):
            return
        if MESSAGES not in event.get("categories", []):
            return
        still = await database_sync_to_async(has_consent)(
            clinician=self.viewer, member=self.thread.member, category=MESSAGES
        )
        if not still:
            await self.close(code=CLOSE_CONSENT_REVOKED)
