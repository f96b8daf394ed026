"""`GET /healthz`: is this process able to reach its database, channel layer and cache?

Public, cheap, and safe to poll: each part answers "ok" or "error: <ExceptionClass>".
Only the class name is shown (never a message, which could carry a host or URL);
the details go to the log.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("mindhaven.health")

# Each part must answer within this many seconds, so that a stuck backend makes the
# check fail rather than hang the load balancer's probe.
PART_TIMEOUT = 2.0


class HealthCheckMismatch(Exception):
    """A backend answered, but not with what was just written to it."""


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if row is None or row[0] != 1:
        raise HealthCheckMismatch("SELECT 1")


async def check_database() -> None:
    await sync_to_async(_check_database, thread_sensitive=True)()


async def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise HealthCheckMismatch("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise HealthCheckMismatch("channel layer returned another message")


def _check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=30)
    try:
        if cache.get(key) != "ok":
            raise HealthCheckMismatch("cache lost a value just set")
    finally:
        cache.delete(key)


async def check_cache() -> None:
    await sync_to_async(_check_cache, thread_sensitive=True)()


CHECKS: dict[str, Callable[[], Awaitable[None]]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "cache": check_cache,
}


async def _run(name: str, check: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(check(), timeout=PART_TIMEOUT)
    except Exception as exc:
        logger.warning("health check %s failed", name, exc_info=True)
        return f"error: {type(exc).__name__}"
    return "ok"


@login_not_required
@require_safe
@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    parts = {name: await _run(name, check) for name, check in CHECKS.items()}
    healthy = all(value == "ok" for value in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503
    )
