from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client, TransactionTestCase

from mindhaven.accounts.models import User
from mindhaven.config.asgi import application
from mindhaven.core.testing import make_user
from mindhaven.notifications.consumers import CLOSE_UNAUTHENTICATED
from mindhaven.notifications.services import notify

PATH = "/ws/notifications/"
ORIGIN = b"http://127.0.0.1:8000"
TIMEOUT = 5


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


class ConsumerTestCase(TransactionTestCase):
    """Committed data (not TestCase's rollback) so that notify's on_commit really fires."""

    def setUp(self) -> None:
        self.alice = make_user("alice")
        self.charlie = make_user("charlie")
        self.cookies = {
            "alice": session_cookie(self.alice),
            "charlie": session_cookie(self.charlie),
        }

    def socket(self, who: str | None = None, origin: bytes = ORIGIN) -> WebsocketCommunicator:
        headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
        if who is not None:
            headers.append((b"cookie", self.cookies[who]))
        return WebsocketCommunicator(application, PATH, headers=headers)

    async def test_it_closes_anonymous_sockets(self) -> None:
        ws = self.socket()
        connected, code = await ws.connect(timeout=TIMEOUT)
        self.assertFalse(connected)
        self.assertEqual(code, CLOSE_UNAUTHENTICATED)

    async def test_it_refuses_another_origin(self) -> None:
        ws = self.socket("alice", origin=b"https://evil.example")
        connected, _ = await ws.connect(timeout=TIMEOUT)
        self.assertFalse(connected)

    async def test_it_pushes_a_notification_after_commit(self) -> None:
        ws = self.socket("alice")
        connected, _ = await ws.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        created = await sync_to_async(notify)(
            user=self.alice, kind="test", title="Your plan was updated", url="/"
        )
        message = await ws.receive_json_from(timeout=TIMEOUT)
        self.assertEqual(message["type"], "notification.created")
        self.assertEqual(message["code"], str(created.code))
        self.assertIn("Your plan was updated", message["html"])
        self.assertIn(f'id="notification-{created.code}"', message["html"])
        self.assertEqual(set(message), {"type", "code", "html"})
        await ws.disconnect()

    async def test_it_escapes_the_title(self) -> None:
        ws = self.socket("alice")
        await ws.connect(timeout=TIMEOUT)
        await sync_to_async(notify)(user=self.alice, kind="test", title="<img src=x>")
        message = await ws.receive_json_from(timeout=TIMEOUT)
        self.assertNotIn("<img", message["html"])
        self.assertIn("&lt;img src=x&gt;", message["html"])
        await ws.disconnect()

    async def test_it_sends_nothing_when_the_transaction_rolls_back(self) -> None:
        ws = self.socket("alice")
        await ws.connect(timeout=TIMEOUT)

        def notify_then_fail() -> None:
            try:
                with transaction.atomic():
                    notify(user=self.alice, kind="test", title="rolled back")
                    raise RuntimeError("abort")
            except RuntimeError:
                pass
            notify(user=self.alice, kind="test", title="committed")

        await sync_to_async(notify_then_fail)()
        # The first (and only) message is the committed one.
        message = await ws.receive_json_from(timeout=TIMEOUT)
        self.assertIn("committed", message["html"])
        self.assertTrue(await ws.receive_nothing(timeout=0.1))
        await ws.disconnect()

    async def test_it_hides_alices_notifications_from_charlie(self) -> None:
        alice_ws, charlie_ws = self.socket("alice"), self.socket("charlie")
        self.assertTrue((await alice_ws.connect(timeout=TIMEOUT))[0])
        self.assertTrue((await charlie_ws.connect(timeout=TIMEOUT))[0])
        await sync_to_async(notify)(user=self.alice, kind="test", title="for alice")
        self.assertIn("for alice", (await alice_ws.receive_json_from(timeout=TIMEOUT))["html"])
        # Had alice's reached charlie, it would be ahead of charlie's own in the queue.
        await sync_to_async(notify)(user=self.charlie, kind="test", title="for charlie")
        first = await charlie_ws.receive_json_from(timeout=TIMEOUT)
        self.assertIn("for charlie", first["html"])
        await alice_ws.disconnect()
        await charlie_ws.disconnect()

    async def test_it_ignores_what_the_page_sends(self) -> None:
        ws = self.socket("alice")
        await ws.connect(timeout=TIMEOUT)
        await ws.send_to(text_data="not json at all")
        await ws.send_json_to({"type": "notification.created", "html": "<script>"})
        # Still open and still delivering; nothing was echoed back.
        await sync_to_async(notify)(user=self.alice, kind="test", title="still here")
        message = await ws.receive_json_from(timeout=TIMEOUT)
        self.assertIn("still here", message["html"])
        await ws.disconnect()

    async def test_it_answers_a_ping_with_a_pong(self) -> None:
        ws = self.socket("alice")
        await ws.connect(timeout=TIMEOUT)
        await ws.send_json_to({"type": "ping"})
        self.assertEqual(await ws.receive_json_from(timeout=TIMEOUT), {"type": "pong"})
        await ws.send_to(text_data='{"type": "ping", "html": "<script>"}')
        self.assertTrue(await ws.receive_nothing(timeout=0.3))
        await ws.disconnect()
