"""A notification created by one server process reaches a socket held by another.

Two uvicorn children share the test PostgreSQL database and Redis (channel layer),
as N workers behind a proxy would. Alice's socket is on B; the HTTP request that
creates her notification (POST /api/v1/auth/token, which notifies
"security.token_created") goes to A.
"""

import asyncio
import json
import urllib.request
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.asyncio.client import connect
from websockets.typing import Origin

from mindhaven.accounts.models import User
from mindhaven.core.testing import PASSWORD, make_user
from mindhaven.core.testing_server import ServerProcess, child_environment
from mindhaven.notifications.models import Notification

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

WAIT = 10.0


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)  # the session row lands in the shared database
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def create_token(base_url: str, username: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/token",
        data=json.dumps(
            {"username": username, "password": PASSWORD, "name": "two-process"}
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return int(response.status)


async def receive(socket) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout=WAIT))
    return message


def socket_to(server: ServerProcess, cookie: str):
    ws_url = server.url.replace("http://", "ws://") + "/ws/notifications/"
    return connect(ws_url, origin=Origin(server.url), additional_headers={"Cookie": cookie})


def test_it_delivers_across_server_processes():
    alice, charlie = make_user("alice"), make_user("charlie")
    alice_cookie, charlie_cookie = session_cookie(alice), session_cookie(charlie)
    env = child_environment(connection.settings_dict)

    with ServerProcess(env) as a, ServerProcess(env) as b:

        async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
            async with (
                socket_to(b, alice_cookie) as alice_ws,
                socket_to(a, charlie_cookie) as charlie_ws,
            ):
                assert await asyncio.to_thread(create_token, a.url, "alice") == 200
                for_alice = await receive(alice_ws)
                # Had alice's reached charlie, it would be ahead of charlie's own.
                assert await asyncio.to_thread(create_token, b.url, "charlie") == 200
                for_charlie = await receive(charlie_ws)
                return for_alice, for_charlie

        for_alice, for_charlie = asyncio.run(scenario())

    alices = Notification.objects.get(user=alice, kind="security.token_created")
    assert for_alice["type"] == "notification.created"
    assert for_alice["code"] == str(alices.code)
    assert alices.title in for_alice["html"]
    charlies = Notification.objects.get(user=charlie, kind="security.token_created")
    assert for_charlie["code"] == str(charlies.code)
