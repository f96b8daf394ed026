"""What every clinician-facing socket about a member shares: consent is checked on
connect and followed while the socket is open."""

from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from mindhaven.accounts.models import User
from mindhaven.accounts.permissions import get_client_for_clinician, has_consent
from mindhaven.accounts.services import consent_group

# Close codes in the 4000 range are the application's own; they mirror HTTP statuses.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_CONSENT_REVOKED = 4403
CLOSE_NOT_FOUND = 4404
# The client kept sending over its rate limit (HTTP 429); not final: pages reconnect
# with backoff, and the new socket starts with full limits.
CLOSE_TOO_MANY_MESSAGES = 4429


class ConsentBoundConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A socket through which a clinician sees one member's `consent_category` data.

    Route it with the member's code (`ws/<app>/clients/<uuid:code>/`) and set
    `consent_category`. On connect the socket is authorised through
    `get_client_for_clinician` (anonymous: close 4401; no link or no consent: close
    4404, the same for a member who does not exist), then joins the member's group
    `accounts.consent.<code>`, accepts, and calls `connected()` for the subclass.
    When the member revokes, `services.revoke_consent` sends `consent.revoked` to
    that group after commit; if it names this clinician and this category, the
    socket checks the database again (another grant may still cover the category)
    and closes with 4403 when consent is gone. `self.member` is the member.
    """

    consent_category: ClassVar[str]
    member: User | None = None
    viewer: User | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        code = self.scope["url_route"]["kwargs"]["code"]
        try:
            self.member = await database_sync_to_async(get_client_for_clinician)(
                user, code, self.consent_category
            )
        except Http404:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.viewer = user
        await self.channel_layer.group_add(consent_group(self.member), self.channel_name)
        await self.accept()
        await self.connected()

    async def connected(self) -> None:
        """Called once the socket is authorised and accepted; override to send a first state."""

    async def disconnect(self, code: int) -> None:
        if self.member is not None:
            await self.channel_layer.group_discard(consent_group(self.member), self.channel_name)

    async def consent_revoked(self, event: dict[str, Any]) -> None:
        assert self.viewer is not None and self.member is not None
        if event.get("clinician") != str(self.viewer.code):
            return
        if self.consent_category not in event.get("categories", []):
            return
        still = await database_sync_to_async(has_consent)(
            clinician=self.viewer, member=self.member, category=self.consent_category
        )
        if not still:
            await self.close(code=CLOSE_CONSENT_REVOKED)
