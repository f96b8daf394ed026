"""ICE servers for video calls: STUN, and TURN with time-limited credentials.

TURN credentials follow coturn's shared-secret scheme ("TURN REST API",
`use-auth-secret` + `static-auth-secret` in turnserver.conf): the username is
"<expiry as Unix time>:<user code>" and the password is base64(HMAC-SHA1(secret,
username)). coturn recomputes the HMAC with the same secret and refuses expired
usernames, so nothing per user is stored on either side and a leaked credential
stops working after MINDHAVEN_TURN_TTL seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings

from mindhaven.accounts.models import User


def turn_credentials(
    *, secret: str, user_code: str, ttl: int, now: float | None = None
) -> tuple[str, str]:
    """(username, credential) valid for `ttl` seconds from `now` (default: the clock)."""
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{user_code}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_transport_policy() -> str:
    """RTCPeerConnection's iceTransportPolicy: "relay" when every call must go through
    TURN (MINDHAVEN_ICE_RELAY_ONLY: neither side learns the other's address), else "all"."""
    return "relay" if settings.MINDHAVEN_ICE_RELAY_ONLY else "all"


def ice_servers_for(user: User, *, now: float | None = None) -> list[dict[str, Any]]:
    """The RTCPeerConnection `iceServers` for this person, from settings.

    STUN URLs as they are; TURN URLs only when a secret is set, with credentials made
    for this person. Empty on one machine with neither (host candidates suffice).
    """
    servers: list[dict[str, Any]] = []
    stun = list(settings.MINDHAVEN_STUN_URLS)
    if stun:
        servers.append({"urls": stun})
    turn = list(settings.MINDHAVEN_TURN_URLS)
    secret = settings.MINDHAVEN_TURN_SECRET
    if turn and secret:
        username, credential = turn_credentials(
            secret=secret, user_code=str(user.code), ttl=settings.MINDHAVEN_TURN_TTL, now=now
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers
