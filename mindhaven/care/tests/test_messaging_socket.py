import json
import uuid
from typing import Any
from unittest import mock

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, TransactionTestCase

from mindhaven.accounts.consumers import (
    CLOSE_CONSENT_REVOKED,
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY_MESSAGES,
    CLOSE_UNAUTHENTICATED,
)
from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.care.consumers import SEND_LIMIT, ThreadConsumer
from mindhaven.care.models import MESSAGE_MAX_LENGTH, Message, Thread
from mindhaven.care.services.messaging import send_message
from mindhaven.config.asgi import application
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import make_user

ORIGIN = b"http://127.0.0.1:8000"
TIMEOUT = 5
URGENT = "I want to kill myself tonight"


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


class MessagingSocketTestCase(TransactionTestCase):
    """Committed data: sockets authorise in another thread, and events go out on commit."""

    def setUp(self) -> None:
        self.alice = make_user("alice", country="GB")
        self.bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
        self.carol = make_user("carol", User.Role.MODERATOR, is_demo=True)
        self.dave = make_user("dave", User.Role.CLINICIAN, is_demo=True)
        self.charlie = make_user("charlie")
        agree_to_privacy(user=self.alice)
        self.grant = grant_consent(member=self.alice, clinician=self.bob, categories=["messages"])
        self.thread = Thread.objects.create(member=self.alice, clinician=self.bob)

    async def socket(
        self, user: User | None, thread: Thread | None = None
    ) -> WebsocketCommunicator:
        headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")]
        if user is not None:
            headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
        code = (thread or self.thread).code
        return WebsocketCommunicator(application, f"/ws/care/threads/{code}/", headers=headers)

    async def open(self, user: User) -> WebsocketCommunicator:
        ws = await self.socket(user)
        connected, code = await ws.connect(timeout=TIMEOUT)
        self.assertTrue(connected, code)
        return ws

    async def receive(self, ws: WebsocketCommunicator, kind: str) -> dict[str, Any]:
        """The next event of type `kind` (others before it are skipped)."""
        for _ in range(10):
            event: dict[str, Any] = await ws.receive_json_from(timeout=TIMEOUT)
            if event["type"] == kind:
                return event
        self.fail(f"no {kind} event")

    async def count(self) -> int:
        return await Message.objects.acount()

    async def test_it_refuses_anonymous_sockets(self) -> None:
        ws = await self.socket(None)
        connected, code = await ws.connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_UNAUTHENTICATED)

    async def test_it_refuses_charlie_carol_and_dave(self) -> None:
        for user in (self.charlie, self.carol, self.dave):
            ws = await self.socket(user)
            connected, code = await ws.connect(timeout=TIMEOUT)
            self.assertFalse(connected)
            self.assertEqual(code, CLOSE_NOT_FOUND)

    async def test_it_refuses_bob_once_alice_stopped_sharing(self) -> None:
        await sync_to_async(revoke_consent)(member=self.alice, grant=self.grant)
        ws = await self.socket(self.bob)
        connected, code = await ws.connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_NOT_FOUND)

    async def test_it_delivers_a_message_live_to_both_sides(self) -> None:
        alice, bob = await self.open(self.alice), await self.open(self.bob)
        code = str(uuid.uuid4())
        await alice.send_json_to({"type": "message.send", "code": code, "body": "Hello <b>Bob</b>"})
        ack = await self.receive(alice, "message.ack")
        self.assertEqual(ack, {"type": "message.ack", "code": code, "created": True})
        mine = await self.receive(alice, "message.posted")
        self.assertEqual((mine["code"], mine["mine"]), (code, True))
        theirs = await self.receive(bob, "message.posted")
        self.assertEqual((theirs["code"], theirs["mine"]), (code, False))
        self.assertIn("Hello &lt;b&gt;Bob&lt;/b&gt;", theirs["html"])
        self.assertIn(f'id="message-{code}"', theirs["html"])
        self.assertEqual(await self.count(), 1)
        await alice.disconnect()
        await bob.disconnect()

    async def test_it_answers_a_ping_with_a_pong_to_the_sender_only(self) -> None:
        alice, bob = await self.open(self.alice), await self.open(self.bob)
        await alice.send_json_to({"type": "ping"})
        self.assertEqual(await alice.receive_json_from(timeout=TIMEOUT), {"type": "pong"})
        self.assertTrue(await bob.receive_nothing(timeout=0.3))
        await alice.disconnect()
        await bob.disconnect()

    async def test_it_pushes_the_unread_count_to_the_readers_other_tabs(self) -> None:
        headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")]
        cookie = await sync_to_async(session_cookie)(self.bob)
        nav = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[*headers, (b"cookie", cookie)]
        )
        self.assertTrue((await nav.connect(timeout=TIMEOUT))[0])
        alice = await self.open(self.alice)
        for number in (1, 2):
            await alice.send_json_to(
                {"type": "message.send", "code": str(uuid.uuid4()), "body": f"Line {number}"}
            )
            badge = await self.receive(nav, "badge.updated")
            self.assertEqual(badge["name"], "messages")
            self.assertIn(
                f'<span class="nav-count" aria-hidden="true">{number}</span>', badge["html"]
            )
        # Bob reads the thread (on another page): his count goes to nothing.
        bob = await self.open(self.bob)
        await bob.send_json_to({"type": "read"})
        badge = await self.receive(nav, "badge.updated")
        self.assertEqual(badge["html"].strip(), "")
        for ws in (alice, bob, nav):
            await ws.disconnect()

    async def test_it_stores_a_resent_message_once(self) -> None:
        alice = await self.open(self.alice)
        code = str(uuid.uuid4())
        for _ in range(2):
            await alice.send_json_to({"type": "message.send", "code": code, "body": "again"})
        first = await self.receive(alice, "message.ack")
        second = await self.receive(alice, "message.ack")
        self.assertEqual((first["created"], second["created"]), (True, False))
        self.assertEqual(await self.count(), 1)
        await alice.disconnect()

    async def test_it_drops_bad_input_with_an_error_naming_the_field(self) -> None:
        alice = await self.open(self.alice)
        code = str(uuid.uuid4())
        cases = [
            ({"type": "message.send", "code": code, "body": "  "}, "body"),
            (
                {"type": "message.send", "code": code, "body": "x" * (MESSAGE_MAX_LENGTH + 1)},
                "body",
            ),
            ({"type": "message.send", "code": code, "body": 42}, "body"),
            ({"type": "message.send", "code": "not-a-uuid", "body": "hi"}, "code"),
            ({"type": "message.send", "body": "hi"}, "code"),
            ({"type": "shout"}, "type"),
            (["not", "an", "object"], "type"),
        ]
        for payload, field in cases:
            await alice.send_to(text_data=json.dumps(payload))
            error = await alice.receive_json_from(timeout=TIMEOUT)
            self.assertEqual(error["type"], "error", payload)
            self.assertEqual([e["field"] for e in error["errors"]], [field], payload)
            self.assertNotIn("retry", error)  # a bad message is not worth sending again
        await alice.send_to(text_data="not json {")
        self.assertEqual((await alice.receive_json_from(timeout=TIMEOUT))["type"], "error")
        self.assertEqual(await self.count(), 0)
        # Still open and working.
        await alice.send_json_to({"type": "message.send", "code": code, "body": "fine"})
        self.assertTrue((await self.receive(alice, "message.ack"))["created"])
        await alice.disconnect()

    async def test_it_refuses_to_send_once_alice_stopped_sharing(self) -> None:
        alice = await self.open(self.alice)
        await sync_to_async(revoke_consent)(member=self.alice, grant=self.grant)
        code = str(uuid.uuid4())
        await alice.send_json_to({"type": "message.send", "code": code, "body": "still there?"})
        error = await self.receive(alice, "error")
        self.assertEqual((error["code"], error["errors"][0]["field"]), (code, "thread"))
        self.assertEqual(await self.count(), 0)
        await alice.disconnect()

    async def test_it_closes_bobs_socket_when_alice_stops_sharing_messages(self) -> None:
        bob = await self.open(self.bob)
        await sync_to_async(revoke_consent)(member=self.alice, grant=self.grant)
        output = await bob.receive_output(timeout=TIMEOUT)
        self.assertEqual(output, {"type": "websocket.close", "code": CLOSE_CONSENT_REVOKED})
        await bob.disconnect()

    async def test_it_keeps_bobs_socket_when_another_grant_still_shares_messages(self) -> None:
        await sync_to_async(grant_consent)(
            member=self.alice, clinician=self.bob, categories=["messages", "mood"]
        )
        bob = await self.open(self.bob)
        await sync_to_async(revoke_consent)(member=self.alice, grant=self.grant)
        self.assertTrue(await bob.receive_nothing(timeout=0.3))
        await bob.disconnect()

    async def test_it_replays_what_came_after_the_last_seen_message(self) -> None:
        sent = []
        for body in ("one", "two", "three"):
            message, _ = await sync_to_async(send_message)(
                author=self.alice, thread=self.thread, body=body, code=uuid.uuid4()
            )
            sent.append(str(message.code))
        bob = await self.open(self.bob)
        await bob.send_json_to({"type": "replay", "after": sent[0]})
        replayed = [await bob.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
        self.assertEqual([e.get("code") for e in replayed[:2]], sent[1:])
        self.assertEqual(replayed[2], {"type": "replay.done", "count": 2})
        await bob.send_json_to({"type": "replay", "after": None})
        everything = [await bob.receive_json_from(timeout=TIMEOUT) for _ in range(4)]
        self.assertEqual([e.get("code") for e in everything[:3]], sent)
        await bob.disconnect()

    async def test_it_shows_alice_the_support_panel_after_an_urgent_message(self) -> None:
        alice = await self.open(self.alice)
        code = str(uuid.uuid4())
        await alice.send_json_to({"type": "message.send", "code": code, "body": URGENT})
        ack = await self.receive(alice, "message.ack")
        self.assertIn("You do not have to go through this alone", ack["panel"])
        self.assertIn('href="tel:999"', ack["panel"])
        stored = await Message.objects.aget(code=code)
        self.assertEqual((stored.body, stored.safety_level), (URGENT, "urgent"))
        await alice.disconnect()

    async def test_it_pushes_read_receipts(self) -> None:
        alice, bob = await self.open(self.alice), await self.open(self.bob)
        code = str(uuid.uuid4())
        await alice.send_json_to({"type": "message.send", "code": code, "body": "hi"})
        await self.receive(bob, "message.posted")
        await bob.send_json_to({"type": "read"})
        receipt = await self.receive(alice, "thread.read")
        self.assertEqual((receipt["messages"], receipt["mine"]), ([code], False))
        self.assertEqual(receipt["reader"], str(self.bob.code))
        self.assertIsNotNone((await Message.objects.aget(code=code)).read_at)
        await alice.disconnect()
        await bob.disconnect()

    async def test_it_records_bobs_connection_in_alices_access_log(self) -> None:
        bob = await self.open(self.bob)
        event = await AuditEvent.objects.aget()
        self.assertEqual((event.actor_code, event.subject_code), (self.bob.code, self.alice.code))
        self.assertEqual(event.category, "messages")
        await bob.disconnect()
        alice = await self.open(self.alice)
        self.assertEqual(await AuditEvent.objects.acount(), 1)
        await alice.disconnect()

    async def test_it_sends_charlie_nothing_of_alices_thread(self) -> None:
        await sync_to_async(agree_to_privacy)(user=self.charlie)
        await sync_to_async(grant_consent)(
            member=self.charlie, clinician=self.bob, categories=["messages"]
        )
        other = await Thread.objects.acreate(member=self.charlie, clinician=self.bob)
        charlie = await self.socket(self.charlie, other)
        self.assertTrue((await charlie.connect(timeout=TIMEOUT))[0])
        alice = await self.open(self.alice)
        await alice.send_json_to({"type": "message.send", "code": str(uuid.uuid4()), "body": "x"})
        await self.receive(alice, "message.posted")
        self.assertTrue(await charlie.receive_nothing(timeout=0.3))
        await alice.disconnect()
        await charlie.disconnect()

    async def test_it_asks_alice_to_agree_to_the_privacy_summary_before_sending(self) -> None:
        alice = await self.open(self.alice)
        await User.objects.filter(pk=self.alice.pk).aupdate(privacy_version="old")
        await alice.send_json_to({"type": "message.send", "code": str(uuid.uuid4()), "body": "hi"})
        error = await self.receive(alice, "error")
        self.assertIn("/accounts/privacy/agree/", error["errors"][0]["message"])
        self.assertEqual(await self.count(), 0)
        await alice.disconnect()

    # --- rate limits ------------------------------------------------------------------

    async def replies(self, ws: WebsocketCommunicator, n: int) -> list[dict[str, Any]]:
        """The next n acks and errors (message.posted events between them skipped)."""
        found: list[dict[str, Any]] = []
        while len(found) < n:
            event: dict[str, Any] = await ws.receive_json_from(timeout=TIMEOUT)
            if event["type"] in {"message.ack", "error"}:
                found.append(event)
        return found

    async def test_it_drops_message_sends_over_the_rate_limit(self) -> None:
        now = [1000.0]
        burst = SEND_LIMIT[0]
        with mock.patch.object(ThreadConsumer, "clock", staticmethod(lambda: now[0])):
            alice = await self.open(self.alice)
            codes = [str(uuid.uuid4()) for _ in range(burst + 5)]
            with self.assertLogs("mindhaven.care.consumers", "WARNING") as logs:
                for i, code in enumerate(codes):
                    await alice.send_json_to({"type": "message.send", "code": code, "body": f"{i}"})
                replies = await self.replies(alice, len(codes))
            self.assertEqual([r["type"] for r in replies[:burst]], ["message.ack"] * burst)
            for reply, code in zip(replies[burst:], codes[burst:], strict=True):
                self.assertEqual(reply["type"], "error")
                self.assertEqual(reply["code"], code)
                self.assertEqual(reply["errors"][0]["field"], "non_field")
                self.assertIn("Too many messages", reply["errors"][0]["message"])
                # The page keeps such a message and sends it again later.
                self.assertIs(reply["retry"], True)
            self.assertEqual(await self.count(), burst)
            self.assertEqual(len(logs.records), 5)
            self.assertIn(str(self.alice.code), logs.output[0])
            self.assertIn(str(self.thread.code), logs.output[0])
            # The socket stays open, and a second later there is room for one more.
            now[0] += 1.0
            await alice.send_json_to({"type": "message.send", "code": codes[-1], "body": "x"})
            self.assertEqual((await self.replies(alice, 1))[0]["type"], "message.ack")
            self.assertEqual(await self.count(), burst + 1)
            await alice.disconnect()

    async def test_it_closes_a_socket_that_keeps_flooding_with_4429(self) -> None:
        burst = SEND_LIMIT[0]
        with mock.patch.object(ThreadConsumer, "clock", staticmethod(lambda: 1000.0)):
            alice = await self.open(self.alice)
            with self.assertLogs("mindhaven.care.consumers", "WARNING"):
                for i in range(burst + 3 * burst + 5):
                    await alice.send_json_to(
                        {"type": "message.send", "code": str(uuid.uuid4()), "body": f"{i}"}
                    )
                kinds: list[str] = []
                while True:
                    output = await alice.receive_output(timeout=TIMEOUT)
                    if output["type"] == "websocket.close":
                        break
                    kinds.append(json.loads(output["text"])["type"])
        self.assertEqual(output, {"type": "websocket.close", "code": CLOSE_TOO_MANY_MESSAGES})
        self.assertEqual(kinds.count("message.ack"), burst)
        self.assertEqual(kinds.count("error"), 3 * burst)  # nothing answered after the close
        self.assertEqual(await self.count(), burst)

    async def test_it_limits_replays(self) -> None:
        with mock.patch.object(ThreadConsumer, "clock", staticmethod(lambda: 1000.0)):
            alice = await self.open(self.alice)
            kinds = []
            for _ in range(4):
                await alice.send_json_to({"type": "replay", "after": None})
                kinds.append((await alice.receive_json_from(timeout=TIMEOUT))["type"])
            self.assertEqual(kinds, ["replay.done"] * 3 + ["error"])
            await alice.disconnect()
