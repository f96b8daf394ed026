import uuid
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mindhaven.accounts import services as account_services
from mindhaven.care.models import Appointment, VideoRoom
from mindhaven.care.services import rooms
from mindhaven.core.testing import BaseTestCase
from mindhaven.notifications.models import Notification
from mindhaven.safety.models import SafetyAlert

URGENT = "I want to kill myself tonight"


class RoomsServicesTestCase(BaseTestCase):
    def setUp(self) -> None:
        start = timezone.now() + timedelta(minutes=5)
        self.appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        self.room = VideoRoom.objects.create(appointment=self.appointment)
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(rooms.room_group(self.room), self.channel)

    def tearDown(self) -> None:
        async_to_sync(self.layer.flush)()

    def heard(self, count: int = 1) -> Any:
        """The next `count` events on the room's group (one when count is 1). Received in
        one event loop: the Redis layer does not carry a receive across loops."""

        async def receive() -> list[dict[str, Any]]:
            return [dict(await self.layer.receive(self.channel)) for _ in range(count)]

        events = async_to_sync(receive)()
        return events[0] if count == 1 else events

    def test_it_notes_the_waiting_member_and_tells_the_clinician_once(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            rooms.enter_waiting_room(room=self.room, member=self.alice)
            rooms.enter_waiting_room(room=self.room, member=self.alice)
        self.room.refresh_from_db()
        self.assertIsNotNone(self.room.member_waiting_since)
        notice = Notification.objects.get(user=self.bob)
        self.assertEqual(notice.url, f"/care/rooms/{self.appointment.code}/")
        self.assertNotIn("Alice", notice.title)  # may be emailed: no names

    def test_it_admits_and_broadcasts_after_commit(self) -> None:
        with self.captureOnCommitCallbacks() as callbacks:
            rooms.admit_member(room=self.room, clinician=self.bob)
        self.room.refresh_from_db()
        self.assertIsNotNone(self.room.admitted_at)
        # Nothing went out before commit: the room's event, and bob's waiting marker.
        self.assertEqual(len(callbacks), 2)
        for callback in callbacks:
            callback()
        self.assertEqual(self.heard()["type"], "room.admitted")

    def test_it_lets_only_the_clinician_admit(self) -> None:
        with self.assertRaises(PermissionDenied):
            rooms.admit_member(room=self.room, clinician=self.alice)
        with self.assertRaises(PermissionDenied):
            rooms.admit_member(room=self.room, clinician=self.dave)
        self.room.refresh_from_db()
        self.assertIsNone(self.room.admitted_at)

    def test_it_ends_the_call_for_both_and_can_reopen(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            rooms.admit_member(room=self.room, clinician=self.bob)
            rooms.end_call(room=self.room, by=self.alice)
        self.room.refresh_from_db()
        self.assertIsNotNone(self.room.ended_at)
        with self.captureOnCommitCallbacks(execute=True):
            rooms.admit_member(room=self.room, clinician=self.bob)
        self.room.refresh_from_db()
        self.assertIsNone(self.room.ended_at)
        admitted, ended, again = self.heard(3)
        self.assertEqual(admitted["type"], "room.admitted")
        self.assertEqual(ended, {"type": "room.ended", "by": "member"})
        self.assertEqual(again["type"], "room.admitted")

    def test_it_refuses_charlie_ending_the_call(self) -> None:
        with self.assertRaises(PermissionDenied):
            rooms.end_call(room=self.room, by=self.charlie)
        self.room.refresh_from_db()
        self.assertIsNone(self.room.ended_at)

    def test_it_sends_chat_without_storing_it(self) -> None:
        client_id = uuid.uuid4()
        with self.captureOnCommitCallbacks(execute=True):
            line = rooms.send_call_chat(
                room=self.room, author=self.bob, text="  Can you hear me?  ", client_id=client_id
            )
        self.assertEqual(line.text, "Can you hear me?")
        heard = self.heard()
        self.assertEqual(heard["type"], "room.chat")
        self.assertEqual(heard["id"], str(client_id))
        self.assertEqual(heard["role"], "clinician")
        self.assertFalse(heard["urgent"])

    def test_it_rejects_bad_chat_naming_the_field(self) -> None:
        for bad in ("", "   ", None, 42, "x" * (rooms.CHAT_MAX_LENGTH + 1)):
            with self.assertRaises(ValidationError) as caught:
                rooms.send_call_chat(
                    room=self.room, author=self.alice, text=bad, client_id=uuid.uuid4()
                )
            self.assertIn("text", caught.exception.message_dict)

    def test_it_assesses_the_members_chat_and_alerts_on_urgent(self) -> None:
        account_services.agree_to_privacy(user=self.alice)
        account_services.grant_consent(
            member=self.alice, clinician=self.bob, categories=["safety_alerts"]
        )
        with self.captureOnCommitCallbacks(execute=True):
            line = rooms.send_call_chat(
                room=self.room, author=self.alice, text=URGENT, client_id=uuid.uuid4()
            )
        self.assertTrue(line.urgent)
        self.assertTrue(self.heard()["urgent"])
        alert = SafetyAlert.objects.get(member=self.alice)
        self.assertEqual(alert.clinician, self.bob)
        self.assertEqual(alert.source, rooms.ALERT_SOURCE)

    def test_it_does_not_assess_the_clinicians_chat(self) -> None:
        line = rooms.send_call_chat(
            room=self.room, author=self.bob, text=URGENT, client_id=uuid.uuid4()
        )
        self.assertFalse(line.urgent)
        self.assertFalse(SafetyAlert.objects.exists())

    def test_it_exports_the_sessions_to_both_and_none_to_charlie(self) -> None:
        import csv
        import io
        import zipfile

        from mindhaven.core.export import build_export

        rooms.admit_member(room=self.room, clinician=self.bob)

        def rows(user):
            with zipfile.ZipFile(io.BytesIO(build_export(user))) as archive:
                text = archive.read("video_sessions/video_sessions.csv").decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))

        (alices,) = rows(self.alice)
        self.assertEqual(alices["appointment"], str(self.appointment.code))
        self.assertEqual((alices["your_role"], alices["with"]), ("member", "Bob"))
        self.assertTrue(alices["admitted_at"])
        self.assertEqual(rows(self.bob)[0]["your_role"], "clinician")
        self.assertEqual(rows(self.charlie), [])
