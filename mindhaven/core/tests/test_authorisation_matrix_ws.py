"""The authorisation matrix for websockets: every route in mindhaven.config.routing, every actor.

Kept apart from test_authorisation_matrix.py: a socket's authentication runs in another
thread (Channels' database_sync_to_async), which sees only committed data and closes
database connections, so these cases need `transactional_db`, not that module's one
rolled-back transaction. The actors and outcomes are the same as there.

Adding a route to mindhaven.config.routing: test_it_lists_every_websocket_route names it;
add a SocketRow with the outcome for each actor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from mindhaven.accounts.models import User
from mindhaven.core.testing import make_user
from mindhaven.core.tests.test_authorisation_matrix import ACTORS, expect

ACCEPT = "socket accepted"
CLOSE = "socket closed"
ORIGIN = b"http://testserver"
ROLES = {
    "bob": User.Role.CLINICIAN,
    "carol": User.Role.MODERATOR,
    "dave": User.Role.CLINICIAN,
    "erin": User.Role.CLINICIAN,  # not a demo persona, no second factor
}
DEMO_PERSONAS = {"bob", "carol", "dave"}


@dataclass(frozen=True)
class SocketRow:
    route: str
    expected: dict[str, str]
    # Outcome for alice when the socket comes from another site's page.
    other_origin: str = CLOSE
    # For a route with a parameter: builds what the socket needs from the users made so
    # far (by name; adds any it needs) and returns the path, normally to alice's object.
    path: Callable[[dict[str, User]], str] | None = None

    @property
    def key(self) -> str:
        return f"ws {self.route}"


def cast_user(users: dict[str, User], name: str) -> User:
    """The cast member `name`, made the first time it is needed."""
    if name not in users:
        role = ROLES.get(name, User.Role.MEMBER)
        users[name] = make_user(name, role, is_demo=name in DEMO_PERSONAS)
    return users[name]


def alices_thread(users: dict[str, User]) -> str:
    """alice's message thread with bob, which she shares with him (`messages`)."""
    from mindhaven.accounts.services import agree_to_privacy, grant_consent
    from mindhaven.care.models import Thread

    alice, bob = cast_user(users, "alice"), cast_user(users, "bob")
    agree_to_privacy(user=alice)
    grant_consent(member=alice, clinician=bob, categories=["messages"])
    thread = Thread.objects.create(member=alice, clinician=bob)
    return f"ws/care/threads/{thread.code}/"


def alices_room(users: dict[str, User]) -> str:
    """The video room of alice's session with bob, which starts in 5 minutes (open)."""
    from datetime import timedelta

    from django.utils import timezone

    from mindhaven.care.models import Appointment

    alice, bob = cast_user(users, "alice"), cast_user(users, "bob")
    start = timezone.now() + timedelta(minutes=5)
    appointment = Appointment.objects.create(
        member=alice, clinician=bob, start=start, end=start + timedelta(minutes=50)
    )
    return f"ws/care/rooms/{appointment.code}/"


SOCKETS: list[SocketRow] = [
    SocketRow("ws/notifications/", expect(ACCEPT, anonymous=CLOSE)),
    SocketRow(
        "ws/care/threads/<uuid:code>/",
        expect(CLOSE, alice=ACCEPT, bob=ACCEPT),
        path=alices_thread,
    ),
    SocketRow(
        "ws/care/rooms/<uuid:code>/",
        expect(CLOSE, alice=ACCEPT, bob=ACCEPT),
        path=alices_room,
    ),
]


def enumerate_sockets() -> set[str]:
    from mindhaven.config.routing import websocket_urlpatterns

    return {f"ws {pattern.pattern}" for pattern in websocket_urlpatterns}


def test_it_lists_every_websocket_route() -> None:
    listed = {row.key for row in SOCKETS}
    problems = {
        "websocket routes with no row (add one to SOCKETS)": sorted(enumerate_sockets() - listed),
        "socket rows for routes that no longer exist": sorted(listed - enumerate_sockets()),
    }
    assert not any(problems.values()), "\n".join(
        f"{title}:\n  " + "\n  ".join(items) for title, items in problems.items() if items
    )


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


async def connects(path: str, cookie: bytes | None, origin: bytes) -> bool:
    from mindhaven.config.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, "/" + path, headers=headers)
    connected, _code = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return bool(connected)


def socket_cases() -> Iterator[Any]:
    for row in SOCKETS:
        for actor in ACTORS:
            yield pytest.param(row, actor, ORIGIN, id=f"{row.key} as {actor}")
        yield pytest.param(
            row, "alice", b"https://evil.example", id=f"{row.key} as alice from another site"
        )


@pytest.mark.parametrize(("row", "actor", "origin"), list(socket_cases()))
def test_socket(transactional_db: None, row: SocketRow, actor: str, origin: bytes) -> None:
    cookie = None
    users: dict[str, User] = {}
    if actor != "anonymous":
        cookie = session_cookie(cast_user(users, actor))
    path = row.path(users) if row.path else row.route
    accepted = async_to_sync(connects)(path, cookie, origin)
    got = ACCEPT if accepted else CLOSE
    expected = row.expected[actor] if origin == ORIGIN else row.other_origin
    assert got == expected
