"""A message sent through one server process reaches the other person's socket on another.

Two uvicorn children share the test PostgreSQL database and Redis (channel layer), as
N workers behind a proxy would: alice's thread socket is on A, bob's on B.
"""

import asyncio
import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from mindhaven.accounts.consumers import CLOSE_CONSENT_REVOKED
from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.care.models import Message, Thread
from mindhaven.core.testing import make_user
from mindhaven.core.testing_server import ServerProcess, child_environment

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

WAIT = 10.0


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)  # the session row lands in the shared database
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def next_of(socket: Any, kind: str) -> dict[str, Any]:
    """The next event of type `kind`; others before it are skipped."""
    while True:
        event: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout=WAIT))
        if event["type"] == kind:
            return event


def revoke_in_a_thread(member: User, grant: Any) -> None:
    try:
        revoke_consent(member=member, grant=grant)
    finally:
        connections.close_all()  # else the test database cannot be dropped at the end


def socket_to(server: ServerProcess, thread: Thread, cookie: str) -> Any:
    ws_url = server.url.replace("http://", "ws://") + f"/ws/care/threads/{thread.code}/"
    return connect(ws_url, origin=Origin(server.url), additional_headers={"Cookie": cookie})


def test_it_delivers_messages_and_receipts_across_server_processes() -> None:
    alice = make_user("alice")
    bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
    agree_to_privacy(user=alice)
    grant = grant_consent(member=alice, clinician=bob, categories=["messages"])
    thread = Thread.objects.create(member=alice, clinician=bob)
    alice_cookie, bob_cookie = session_cookie(alice), session_cookie(bob)
    env = child_environment(connection.settings_dict)
    code = str(uuid.uuid4())

    with ServerProcess(env) as a, ServerProcess(env) as b:

        async def scenario() -> tuple[dict[str, Any], dict[str, Any], int | None]:
            async with (
                socket_to(a, thread, alice_cookie) as alice_ws,
                socket_to(b, thread, bob_cookie) as bob_ws,
            ):
                send = {"type": "message.send", "code": code, "body": "across workers"}
                await alice_ws.send(json.dumps(send))
                posted = await next_of(bob_ws, "message.posted")
                await bob_ws.send(json.dumps({"type": "read"}))
                receipt = await next_of(alice_ws, "thread.read")
                await asyncio.to_thread(revoke_in_a_thread, alice, grant)
                try:
                    await next_of(bob_ws, "never")
                except ConnectionClosed as closed:
                    return posted, receipt, closed.rcvd.code if closed.rcvd else None
                return posted, receipt, None

        posted, receipt, close_code = asyncio.run(scenario())

    assert posted["code"] == code
    assert "across workers" in posted["html"]
    assert receipt["messages"] == [code]
    assert close_code == CLOSE_CONSENT_REVOKED
    assert Message.objects.get().read_at is not None
