from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, TransactionTestCase
from django.urls import path

from mindhaven.accounts.consumers import (
    CLOSE_CONSENT_REVOKED,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    ConsentBoundConsumer,
)
from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.core.testing import make_user


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


class MoodWatchConsumer(ConsentBoundConsumer):
    consent_category = "mood"

    async def connected(self) -> None:
        await self.send_json({"type": "hello", "member": str(self.member.code)})  # type: ignore[union-attr]


application = AuthMiddlewareStack(
    URLRouter([path("ws/test/clients/<uuid:code>/", MoodWatchConsumer.as_asgi())])
)


class ConsentSocketTestCase(TransactionTestCase):
    """Needs commits: revocations are broadcast on commit."""

    def setUp(self) -> None:
        self.alice = make_user("alice")
        self.bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
        self.dave = make_user("dave", User.Role.CLINICIAN, is_demo=True)
        self.charlie = make_user("charlie")
        agree_to_privacy(user=self.alice)
        self.grant = grant_consent(
            member=self.alice, clinician=self.bob, categories=["mood", "assessments"]
        )

    async def connect(self, user: User | None, code: object = None) -> WebsocketCommunicator:
        headers = []
        if user is not None:
            headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
        return WebsocketCommunicator(
            application, f"/ws/test/clients/{code or self.alice.code}/", headers=headers
        )

    async def test_it_closes_when_mood_is_revoked(self) -> None:
        communicator = await self.connect(self.bob)
        connected, _ = await communicator.connect(timeout=5)
        self.assertTrue(connected)
        self.assertEqual((await communicator.receive_json_from(timeout=5))["type"], "hello")
        await database_sync_to_async(revoke_consent)(member=self.alice, grant=self.grant)
        output = await communicator.receive_output(timeout=5)
        self.assertEqual(output, {"type": "websocket.close", "code": CLOSE_CONSENT_REVOKED})
        await communicator.disconnect()

    async def test_it_stays_open_when_mood_is_still_granted(self) -> None:
        await database_sync_to_async(grant_consent)(
            member=self.alice, clinician=self.bob, categories=["mood"]
        )
        communicator = await self.connect(self.bob)
        await communicator.connect()
        await communicator.receive_json_from(timeout=5)
        await database_sync_to_async(revoke_consent)(member=self.alice, grant=self.grant)
        self.assertTrue(await communicator.receive_nothing(timeout=0.3))
        await communicator.disconnect()

    async def test_it_refuses_dave_and_charlie(self) -> None:
        for user in (self.dave, self.charlie):
            communicator = await self.connect(user)
            connected, code = await communicator.connect()
            self.assertFalse(connected)
            self.assertEqual(code, CLOSE_NOT_FOUND)

    async def test_it_refuses_anonymous_sockets(self) -> None:
        communicator = await self.connect(None)
        connected, code = await communicator.connect()
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_UNAUTHENTICATED)

    async def test_it_refuses_an_unknown_member(self) -> None:
        communicator = await self.connect(self.bob, code=self.charlie.code)
        connected, code = await communicator.connect()
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_NOT_FOUND)
