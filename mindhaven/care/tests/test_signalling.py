import json
import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.test import Client, TransactionTestCase
from django.utils import timezone

from mindhaven.accounts.consumers import (
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY_MESSAGES,
    CLOSE_UNAUTHENTICATED,
)
from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment, VideoRoom
from mindhaven.care.signalling import (
    CHAT_LIMIT,
    CLOSE_MFA_REQUIRED,
    CLOSE_REPLACED,
    SDP_MAX_LENGTH,
    SIGNAL_LIMIT,
    SignallingConsumer,
)
from mindhaven.config.asgi import application
from mindhaven.core.testing import make_user
from mindhaven.notifications.models import Notification

ORIGIN = b"http://127.0.0.1:8000"
TIMEOUT = 5
SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:842163049 1 udp 1677729535 192.0.2.10 46154 typ srflx "
    "raddr 0.0.0.0 rport 0 generation 0 ufrag sXxA network-cost 999",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
    "usernameFragment": "sXxA",
}


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


class SignallingTestCase(TransactionTestCase):
    """Committed data: the consumer reads it from another thread."""

    def setUp(self) -> None:
        self.alice = make_user("alice")
        self.bob = make_user("bob", User.Role.CLINICIAN, is_demo=True)
        self.dave = make_user("dave", User.Role.CLINICIAN, is_demo=True)
        self.charlie = make_user("charlie")
        start = timezone.now() + timedelta(minutes=5)
        self.appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        self.cookies = {
            u.username: session_cookie(u) for u in (self.alice, self.bob, self.dave, self.charlie)
        }
        self.sockets: list[WebsocketCommunicator] = []

    async def asyncTearDown(self) -> None:
        for ws in self.sockets:
            await ws.disconnect()

    def socket(
        self, who: str | None, code: object = None, origin: bytes = ORIGIN
    ) -> WebsocketCommunicator:
        headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
        if who is not None:
            headers.append((b"cookie", self.cookies[who]))
        path = f"/ws/care/rooms/{code or self.appointment.code}/"
        ws = WebsocketCommunicator(application, path, headers=headers)
        self.sockets.append(ws)
        return ws

    async def enter(self, who: str, peer: str | None = None) -> WebsocketCommunicator:
        ws = self.socket(who)
        connected, _ = await ws.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        state = await ws.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(state["type"], "state")
        await ws.send_json_to({"type": "join", "peer": peer or str(uuid.uuid4())})
        return ws

    async def both(self) -> tuple[WebsocketCommunicator, WebsocketCommunicator]:
        alice = await self.enter("alice", "a" * 8 + "-0000-4000-8000-000000000000")
        bob = await self.enter("bob", "b" * 8 + "-0000-4000-8000-000000000000")
        self.assertEqual((await alice.receive_json_from(timeout=TIMEOUT))["role"], "clinician")
        self.assertEqual((await bob.receive_json_from(timeout=TIMEOUT))["role"], "member")
        return alice, bob

    async def admitted(self) -> tuple[WebsocketCommunicator, WebsocketCommunicator]:
        alice, bob = await self.both()
        await bob.send_json_to({"type": "admit"})
        self.assertEqual(await alice.receive_json_from(timeout=TIMEOUT), {"type": "admitted"})
        self.assertEqual(await bob.receive_json_from(timeout=TIMEOUT), {"type": "admitted"})
        return alice, bob

    async def room(self) -> VideoRoom:
        return await sync_to_async(VideoRoom.objects.get)(appointment=self.appointment)

    # --- who may connect ---------------------------------------------------------

    async def test_it_closes_anonymous_sockets(self) -> None:
        connected, code = await self.socket(None).connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_UNAUTHENTICATED)

    async def test_it_refuses_charlie_and_dave(self) -> None:
        for who in ("charlie", "dave"):
            connected, code = await self.socket(who).connect(timeout=TIMEOUT)
            self.assertFalse(connected)
            self.assertEqual(code, CLOSE_NOT_FOUND)

    async def test_it_refuses_a_clinician_without_a_second_factor(self) -> None:
        erin = await sync_to_async(make_user)("erin", User.Role.CLINICIAN)  # not a demo persona
        start = timezone.now() + timedelta(minutes=5, seconds=1)
        theirs = await sync_to_async(Appointment.objects.create)(
            member=self.alice, clinician=erin, start=start, end=start + timedelta(minutes=50)
        )
        self.cookies["erin"] = await sync_to_async(session_cookie)(erin)
        connected, code = await self.socket("erin", code=theirs.code).connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_MFA_REQUIRED)

    async def test_it_refuses_an_unknown_room(self) -> None:
        connected, code = await self.socket("alice", code=uuid.uuid4()).connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_NOT_FOUND)

    async def test_it_refuses_the_member_before_the_room_opens(self) -> None:
        start = timezone.now() + timedelta(hours=2)
        later = await sync_to_async(Appointment.objects.create)(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        connected, code = await self.socket("alice", code=later.code).connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_NOT_FOUND)

    async def test_it_refuses_another_origin(self) -> None:
        ws = self.socket("alice", origin=b"https://evil.example")
        connected, _ = await ws.connect(timeout=TIMEOUT)
        self.assertFalse(connected)

    # --- the waiting room and admission -------------------------------------------

    async def test_it_sends_the_state_first(self) -> None:
        ws = self.socket("alice")
        await ws.connect(timeout=TIMEOUT)
        state = await ws.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(
            state,
            {
                "type": "state",
                "role": "member",
                "admitted": False,
                "ended": False,
                "peer_name": "Bob",
            },
        )

    async def test_it_answers_a_ping_with_a_pong_to_the_sender_only(self) -> None:
        alice, bob = await self.admitted()
        await alice.send_json_to({"type": "ping"})
        self.assertEqual(await alice.receive_json_from(timeout=TIMEOUT), {"type": "pong"})
        self.assertTrue(await bob.receive_nothing(timeout=0.3))
        # Before join too: the page watches its socket from the moment it opens.
        fresh = self.socket("alice")
        await fresh.connect(timeout=TIMEOUT)
        await fresh.receive_json_from(timeout=TIMEOUT)  # state
        await fresh.send_json_to({"type": "ping"})
        self.assertEqual(await fresh.receive_json_from(timeout=TIMEOUT), {"type": "pong"})

    async def test_it_tells_each_side_the_other_is_here(self) -> None:
        await self.both()
        room = await self.room()
        self.assertIsNotNone(room.member_waiting_since)
        self.assertTrue(await sync_to_async(Notification.objects.filter(user=self.bob).exists)())

    async def test_it_tells_the_clinician_when_the_member_leaves(self) -> None:
        alice, bob = await self.both()
        await alice.disconnect()
        self.sockets.remove(alice)
        left = await bob.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(left["type"], "presence")
        self.assertFalse(left["present"])

    async def test_it_shows_bob_live_who_waits_and_forgets_a_member_who_left(self) -> None:
        nav = WebsocketCommunicator(
            application,
            "/ws/notifications/",
            headers=[
                (b"origin", ORIGIN),
                (b"host", b"127.0.0.1:8000"),
                (b"cookie", self.cookies["bob"]),
            ],
        )
        self.sockets.append(nav)
        self.assertTrue((await nav.connect(timeout=TIMEOUT))[0])
        badge = f"room-{self.appointment.code}"

        async def next_badge() -> str:
            for _ in range(5):
                event = await nav.receive_json_from(timeout=TIMEOUT)
                if event["type"] == "badge.updated":
                    self.assertEqual(event["name"], badge)
                    return str(event["html"])
            self.fail("no badge.updated")

        alice = await self.enter("alice")
        self.assertIn("Waiting since", await next_badge())
        # Her page goes away before bob admits her: she no longer waits.
        await alice.disconnect()
        self.sockets.remove(alice)
        self.assertEqual((await next_badge()).strip(), "")
        self.assertIsNone((await self.room()).member_waiting_since)
        # She comes back at once: waiting again, but bob is not notified a second time.
        alice = await self.enter("alice")
        self.assertIn("Waiting since", await next_badge())
        waiting = await sync_to_async(Notification.objects.filter(user=self.bob).count)()
        self.assertEqual(waiting, 1)
        # Admitted: no longer waiting.
        bob = await self.enter("bob")
        await bob.send_json_to({"type": "admit"})
        self.assertEqual((await next_badge()).strip(), "")

    async def test_it_lets_only_the_clinician_admit(self) -> None:
        alice, bob = await self.both()
        await alice.send_json_to({"type": "admit"})
        error = await alice.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(error["type"], "error")
        self.assertEqual(error["field"], "type")
        self.assertIsNone((await self.room()).admitted_at)
        self.assertTrue(await bob.receive_nothing(timeout=0.2))

    async def test_it_admits_the_member(self) -> None:
        await self.admitted()
        self.assertIsNotNone((await self.room()).admitted_at)

    # --- relaying -----------------------------------------------------------------

    async def test_it_relays_nothing_before_admission(self) -> None:
        alice, bob = await self.both()
        await bob.send_json_to({"type": "offer", "sdp": SDP})
        error = await bob.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(error["type"], "error")
        self.assertTrue(await alice.receive_nothing(timeout=0.2))

    async def test_it_relays_offer_answer_and_candidates_to_the_other_side_only(self) -> None:
        alice, bob = await self.admitted()
        await bob.send_json_to({"type": "offer", "sdp": SDP})
        offer = await alice.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(offer["type"], "offer")
        self.assertEqual(offer["sdp"], SDP)
        self.assertEqual(offer["peer"], "b" * 8 + "-0000-4000-8000-000000000000")
        await alice.send_json_to({"type": "answer", "sdp": SDP})
        await alice.send_json_to({"type": "candidate", "candidate": CANDIDATE})
        self.assertEqual((await bob.receive_json_from(timeout=TIMEOUT))["type"], "answer")
        candidate = await bob.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(candidate["candidate"], CANDIDATE)
        # Nothing comes back to the sender.
        self.assertTrue(await alice.receive_nothing(timeout=0.2))

    async def test_it_tells_the_other_side_whether_microphone_and_camera_are_on(self) -> None:
        alice, bob = await self.admitted()
        await alice.send_json_to({"type": "media", "audio": False, "video": True, "x": 1})
        self.assertEqual(
            await bob.receive_json_from(timeout=TIMEOUT),
            {
                "type": "media",
                "audio": False,
                "video": True,
                "peer": "a" * 8 + "-0000-4000-8000-000000000000",
            },
        )
        self.assertTrue(await alice.receive_nothing(timeout=0.2))

    async def test_it_relays_end_of_candidates(self) -> None:
        alice, bob = await self.admitted()
        end = {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": None}
        await alice.send_json_to({"type": "candidate", "candidate": end})
        self.assertEqual((await bob.receive_json_from(timeout=TIMEOUT))["candidate"], end)

    async def test_it_drops_malformed_messages_and_stays_open(self) -> None:
        alice, bob = await self.admitted()
        bad: list[tuple[str, str]] = [
            ("not json", "message"),
            (json.dumps(["offer"]), "message"),
            (json.dumps({"type": "launch"}), "type"),
            (json.dumps({"type": "offer", "sdp": 42}), "sdp"),
            (json.dumps({"type": "offer", "sdp": "hello"}), "sdp"),
            (json.dumps({"type": "offer", "sdp": "v=0" + "a" * SDP_MAX_LENGTH}), "sdp"),
            (json.dumps({"type": "candidate", "candidate": "x"}), "candidate"),
            (
                json.dumps(
                    {"type": "candidate", "candidate": {**CANDIDATE, "candidate": "rm -rf"}}
                ),
                "candidate.candidate",
            ),
            (
                json.dumps({"type": "candidate", "candidate": {**CANDIDATE, "sdpMLineIndex": -1}}),
                "candidate.sdpMLineIndex",
            ),
            (json.dumps({"type": "join", "peer": "me"}), "peer"),
            (json.dumps({"type": "chat", "id": "1", "text": "hi"}), "id"),
            (json.dumps({"type": "media", "audio": "off", "video": True}), "audio"),
            (json.dumps({"type": "media", "audio": False}), "video"),
        ]
        with self.assertLogs("mindhaven.care.signalling", "WARNING") as logs:
            for raw, field in bad:
                await alice.send_to(text_data=raw)
                error = await alice.receive_json_from(timeout=TIMEOUT)
                self.assertEqual((error["type"], error["field"]), ("error", field), raw[:60])
        self.assertEqual(len(logs.records), len(bad))
        self.assertIn(str(self.alice.code), logs.output[0])
        self.assertIn(str(self.appointment.code), logs.output[0])
        self.assertTrue(await bob.receive_nothing(timeout=0.2))
        # The call goes on.
        await alice.send_json_to({"type": "answer", "sdp": SDP})
        self.assertEqual((await bob.receive_json_from(timeout=TIMEOUT))["type"], "answer")

    # --- chat, hanging up, a second socket ------------------------------------------

    async def test_it_carries_chat_to_both(self) -> None:
        alice, bob = await self.admitted()
        line_id = str(uuid.uuid4())
        await alice.send_json_to({"type": "chat", "id": line_id, "text": "Hello Bob"})
        for ws, mine in ((alice, True), (bob, False)):
            line = await ws.receive_json_from(timeout=TIMEOUT)
            self.assertEqual(line["type"], "chat")
            self.assertEqual((line["id"], line["text"], line["mine"]), (line_id, "Hello Bob", mine))
            self.assertEqual(line["name"], "Alice")

    async def test_it_rejects_empty_chat_naming_the_field(self) -> None:
        alice, bob = await self.admitted()
        await alice.send_json_to({"type": "chat", "id": str(uuid.uuid4()), "text": "  "})
        error = await alice.receive_json_from(timeout=TIMEOUT)
        self.assertEqual((error["type"], error["field"]), ("error", "text"))
        self.assertTrue(await bob.receive_nothing(timeout=0.2))

    async def test_it_ends_the_call_for_both(self) -> None:
        alice, bob = await self.admitted()
        await alice.send_json_to({"type": "hangup"})
        for ws in (alice, bob):
            self.assertEqual(
                await ws.receive_json_from(timeout=TIMEOUT), {"type": "ended", "by": "member"}
            )
        self.assertIsNotNone((await self.room()).ended_at)
        # After the end nothing is relayed until the clinician opens the room again.
        await bob.send_json_to({"type": "offer", "sdp": SDP})
        self.assertEqual((await bob.receive_json_from(timeout=TIMEOUT))["type"], "error")

    async def test_it_replaces_an_older_socket_of_the_same_person(self) -> None:
        first = await self.enter("alice")
        second = await self.enter("alice")
        self.assertEqual(await first.receive_json_from(timeout=TIMEOUT), {"type": "replaced"})
        output = await first.receive_output(timeout=TIMEOUT)
        self.assertEqual(output, {"type": "websocket.close", "code": CLOSE_REPLACED})
        self.assertTrue(await second.receive_nothing(timeout=0.2))

    async def test_it_reports_the_admitted_state_on_reconnect(self) -> None:
        alice, _bob = await self.admitted()
        await alice.disconnect()
        self.sockets.remove(alice)
        again = self.socket("alice")
        await again.connect(timeout=TIMEOUT)
        state: dict[str, Any] = await again.receive_json_from(timeout=TIMEOUT)
        self.assertTrue(state["admitted"])

    # --- rate limits (a frozen clock: nothing refills) -------------------------------

    def frozen(self) -> Any:
        return mock.patch.object(SignallingConsumer, "clock", staticmethod(lambda: 1000.0))

    def candidate(self, n: int) -> dict[str, Any]:
        line = f"candidate:{n} 1 udp 2122260223 192.0.2.{n % 250} {40000 + n} typ host"
        return {**CANDIDATE, "candidate": line}

    async def test_it_never_limits_a_normal_call_setup(self) -> None:
        with self.frozen():
            alice, bob = await self.admitted()
            await bob.send_json_to({"type": "offer", "sdp": SDP})
            await alice.send_json_to({"type": "answer", "sdp": SDP})
            for n in range(30):
                await bob.send_json_to({"type": "candidate", "candidate": self.candidate(n)})
                await alice.send_json_to({"type": "candidate", "candidate": self.candidate(n)})
            for ws, first in ((alice, "offer"), (bob, "answer")):
                kinds = [(await ws.receive_json_from(timeout=TIMEOUT))["type"] for _ in range(31)]
                self.assertEqual(kinds, [first] + ["candidate"] * 30)
                self.assertTrue(await ws.receive_nothing(timeout=0.2))

    async def test_it_relays_no_candidates_beyond_the_limit(self) -> None:
        burst = SIGNAL_LIMIT[0]
        with self.frozen():
            alice, bob = await self.admitted()
            # alice's join took one token.
            with self.assertLogs("mindhaven.care.signalling", "WARNING") as logs:
                for n in range(burst + 10):
                    await alice.send_json_to({"type": "candidate", "candidate": self.candidate(n)})
                errors = [await alice.receive_json_from(timeout=TIMEOUT) for _ in range(11)]
            for error in errors:
                self.assertEqual((error["type"], error["field"]), ("error", "message"))
                self.assertIn("Too many messages", error["message"])
            self.assertTrue(await alice.receive_nothing(timeout=0.2))
            relayed = [await bob.receive_json_from(timeout=TIMEOUT) for _ in range(burst - 1)]
            self.assertEqual(
                [c["candidate"]["candidate"] for c in relayed],
                [self.candidate(n)["candidate"] for n in range(burst - 1)],
            )
            self.assertTrue(await bob.receive_nothing(timeout=0.2))
            self.assertEqual(len(logs.records), 11)
            self.assertIn(str(self.alice.code), logs.output[0])
            self.assertIn(str(self.appointment.code), logs.output[0])

    async def test_it_closes_a_flooder_with_4429(self) -> None:
        burst = SIGNAL_LIMIT[0]
        with self.frozen():
            alice, bob = await self.admitted()
            with self.assertLogs("mindhaven.care.signalling", "WARNING"):
                for n in range(burst - 1 + 3 * burst + 5):
                    await alice.send_to(
                        text_data="not json"
                        if n % 2
                        else json.dumps({"type": "candidate", "candidate": self.candidate(n)})
                    )
                errors = 0
                while True:
                    output = await alice.receive_output(timeout=TIMEOUT)
                    if output["type"] == "websocket.close":
                        break
                    errors += json.loads(output["text"])["type"] == "error"
            self.assertEqual(output, {"type": "websocket.close", "code": CLOSE_TOO_MANY_MESSAGES})
            # The first burst got through (candidates relayed, garbage answered), then
            # 3 x burst were dropped and the socket closed; nothing after the close.
            self.assertEqual(errors, (burst - 1) // 2 + 3 * burst)
            relayed = [await bob.receive_json_from(timeout=TIMEOUT) for _ in range(burst // 2)]
            self.assertEqual({c["type"] for c in relayed}, {"candidate"})
            self.assertTrue(await bob.receive_nothing(timeout=0.2))

    async def test_it_limits_chat_lines_on_their_own(self) -> None:
        burst = CHAT_LIMIT[0]
        with self.frozen():
            alice, bob = await self.admitted()
            with self.assertLogs("mindhaven.care.signalling", "WARNING"):
                for n in range(burst + 2):
                    await alice.send_json_to(
                        {"type": "chat", "id": str(uuid.uuid4()), "text": f"{n}"}
                    )
                mine = [await alice.receive_json_from(timeout=TIMEOUT) for _ in range(burst + 2)]
            self.assertEqual(sorted(m["type"] for m in mine), ["chat"] * burst + ["error"] * 2)
            lines = [await bob.receive_json_from(timeout=TIMEOUT) for _ in range(burst)]
            self.assertEqual([line["text"] for line in lines], [str(n) for n in range(burst)])
            self.assertTrue(await bob.receive_nothing(timeout=0.2))
            # Signalling still has its own room.
            await alice.send_json_to({"type": "answer", "sdp": SDP})
            self.assertEqual((await bob.receive_json_from(timeout=TIMEOUT))["type"], "answer")
