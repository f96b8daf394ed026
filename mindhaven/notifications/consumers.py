"""The per-user notifications socket: every open tab of a person hears their notifications."""

import re
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from mindhaven.notifications.services import group_for_user

# Close codes in the 4000 range are the application's own; 4401 mirrors HTTP 401.
CLOSE_UNAUTHENTICATED = 4401
PING = re.compile(r'\{\s*"type"\s*:\s*"ping"\s*\}')


class NotificationConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """`ws/notifications/`: push-only, one group per person.

    Anonymous sockets are closed with 4401. A signed-in person joins
    `notifications.user.<code>`, to which `services.notify` sends
    `notification.created` after its transaction commits; the event goes out to the
    page as `{"type", "code", "html"}`; `badge.updated` (`services.push_badge`) as
    `{"type", "name", "html"}`. Nothing the client sends is acted on, but for
    `{"type": "ping"}`, answered with `{"type": "pong"}`.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = group_for_user(user)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Push-only: what the page sends is ignored, not parsed, except the liveness ping
        # (core/static/core/liveness.js), answered so the page can tell a dead socket.
        if text_data is not None and PING.fullmatch(text_data):
            await self.send_json({"type": "pong"})

    async def badge_updated(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "badge.updated", "name": event["name"], "html": event["html"]}
        )

    async def notification_created(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "notification.created", "code": event["code"], "html": event["html"]}
        )
