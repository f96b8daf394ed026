from datetime import timedelta

from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from mindhaven.care.models import Appointment, VideoRoom
from mindhaven.care.permissions import get_room_for_participant
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase


def book(member, clinician, *, starts_in: timedelta, minutes: int = 50, **fields) -> Appointment:
    start = timezone.now() + starts_in
    return Appointment.objects.create(
        member=member,
        clinician=clinician,
        start=start,
        end=start + timedelta(minutes=minutes),
        **fields,
    )


class RoomsAccessTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.appointment = book(self.alice, self.bob, starts_in=timedelta(minutes=5))
        self.url = f"/care/rooms/{self.appointment.code}/"

    def test_it_lets_both_participants_in_and_creates_the_room(self) -> None:
        for user in (self.alice, self.bob):
            room = get_room_for_participant(user, self.appointment.code)
            self.assertEqual(room.appointment, self.appointment)
        self.assertEqual(VideoRoom.objects.filter(appointment=self.appointment).count(), 1)

    def test_it_hides_the_room_from_everyone_else(self) -> None:
        for user in (self.charlie, self.dave, self.carol):
            with self.assertRaises(Http404):
                get_room_for_participant(user, self.appointment.code)
        with self.assertRaises(Http404):
            get_room_for_participant(self.alice, "not-a-uuid")
        self.assertFalse(VideoRoom.objects.exists())

    def test_it_opens_to_the_member_ten_minutes_before(self) -> None:
        early = book(self.alice, self.bob, starts_in=timedelta(minutes=12))
        with self.assertRaises(Http404):
            get_room_for_participant(self.alice, early.code)
        # The clinician may come in a little earlier, to be there first.
        get_room_for_participant(self.bob, early.code)
        soon = book(self.alice, self.bob, starts_in=timedelta(minutes=9, seconds=30))
        get_room_for_participant(self.alice, soon.code)

    def test_it_closes_half_an_hour_after_the_end(self) -> None:
        over = book(self.alice, self.bob, starts_in=timedelta(minutes=-81))
        with self.assertRaises(Http404):
            get_room_for_participant(self.alice, over.code)
        with self.assertRaises(Http404):
            get_room_for_participant(self.bob, over.code)
        running_late = book(self.alice, self.bob, starts_in=timedelta(minutes=-75))
        get_room_for_participant(self.alice, running_late.code)

    def test_it_refuses_a_cancelled_appointment(self) -> None:
        self.appointment.status = Appointment.Status.CANCELLED
        self.appointment.save()
        with self.assertRaises(Http404):
            get_room_for_participant(self.alice, self.appointment.code)

    def test_it_audits_the_clinician_not_the_member(self) -> None:
        get_room_for_participant(self.alice, self.appointment.code)
        self.assertFalse(AuditEvent.objects.exists())
        get_room_for_participant(self.bob, self.appointment.code)
        event = AuditEvent.objects.get()
        self.assertEqual(event.subject_code, self.alice.code)
        self.assertEqual(event.actor_code, self.bob.code)
        self.assertEqual(event.category, "video")
        self.assertEqual(event.object_code, str(self.appointment.code))
        # And alice sees it on her "who viewed my data" page.
        self.client.force_login(self.alice)
        page = self.client.get("/accounts/access-log/")
        self.assertContains(page, "Bob")

    def test_it_serves_the_room_page_with_camera_allowed(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("camera=(self)", response["Permissions-Policy"])
        self.assertIn("microphone=(self)", response["Permissions-Policy"])
        self.assertContains(response, f'data-ws="/ws/care/rooms/{self.appointment.code}/"')
        self.assertContains(response, 'data-role="member"')
        self.assertContains(response, "waiting room")
        self.assertContains(response, "not an emergency service")
        self.assertContains(response, 'id="support-panel"')
        # The call's chat is not kept: the panel must not say that it was saved.
        self.assertNotContains(response, "It is saved")
        self.assertNotContains(response, 'id="admit"')

    def test_it_gives_the_clinician_the_admit_button(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-role="clinician"')
        self.assertContains(response, "Admit Alice")
        self.assertNotContains(response, 'id="support-panel"')

    def test_it_hides_the_room_page_from_charlie(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("camera=(self)", response["Permissions-Policy"])
        self.assertNotContains(response, "Alice", status_code=404)

    def test_it_tells_a_participant_when_the_room_opens(self) -> None:
        later = book(self.alice, self.bob, starts_in=timedelta(hours=3))
        self.client.force_login(self.alice)
        response = self.client.get(f"/care/rooms/{later.code}/")
        self.assertContains(response, "The room opens at", status_code=404)
        self.assertContains(response, f"({self.alice.timezone})", status_code=404)
        self.assertFalse(VideoRoom.objects.exists())

    def test_it_sends_visitors_to_sign_in(self) -> None:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))

    def test_it_rejects_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(self.url).status_code, 405)

    @override_settings(MINDHAVEN_STUN_URLS=["stun:turn.example.org:3478"])
    def test_it_puts_the_ice_servers_in_the_page(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, "stun:turn.example.org:3478")

    def test_it_serves_the_device_test_page(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get("/care/device-test/")
        self.assertEqual(response.status_code, 200)
        self.assertIn("camera=(self)", response["Permissions-Policy"])
        self.assertContains(response, "Test my camera and microphone")
        self.assertContains(response, "care/rooms/device-test.js")

    def test_it_shows_the_way_in_on_the_appointment_page(self) -> None:
        from django.template.loader import render_to_string
        from django.test import RequestFactory

        request = RequestFactory().get("/")
        request.user = self.alice
        html = render_to_string(
            "care/rooms/_join.html", {"appointment": self.appointment, "user": self.alice}, request
        )
        self.assertIn("Enter the waiting room", html)
        self.assertIn(self.url, html)
        html = render_to_string(
            "care/rooms/_join.html", {"appointment": self.appointment, "user": self.bob}
        )
        self.assertIn("Join video", html)
        later = book(self.alice, self.bob, starts_in=timedelta(days=2))
        html = render_to_string("care/rooms/_join.html", {"appointment": later, "user": self.alice})
        self.assertIn("The video room opens on", html)
        # In alice's zone, named, like the other times on the appointment page.
        self.assertIn(f"({self.alice.timezone})", html)
        self.assertNotIn("/care/rooms/", html)
        html = render_to_string(
            "care/rooms/_join.html", {"appointment": self.appointment, "user": self.charlie}
        )
        self.assertNotIn("/care/rooms/", html)

    def test_it_speaks_spanish_in_tu_form(self) -> None:
        from mindhaven.core.tests.test_i18n_accounts import USTED, visible_text

        self.alice.locale = "es"
        self.alice.save()
        self.client.force_login(self.alice)
        for url in (self.url, "/care/device-test/"):
            response = self.client.get(url)
            text = visible_text(response)
            self.assertIsNone(USTED.search(text), url)
        self.assertContains(self.client.get(self.url), "Videosesión con Bob")
        self.assertContains(
            self.client.get("/care/device-test/"), "Probar mi cámara y mi micrófono"
        )

    def test_it_imports_modules_by_their_served_name(self) -> None:
        # Deployments serve only hashed static names: a relative `import ... from
        # './media.js'` would 404 there (tests serve unhashed names and would not notice).
        from pathlib import Path

        folder = Path(__file__).resolve().parents[1] / "static" / "care" / "rooms"
        for script in folder.glob("*.js"):
            self.assertNotRegex(script.read_text(), r"from\s+['\"]\.", script.name)

    def test_it_offers_the_room_on_the_appointment_page(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(f"/care/appointments/{self.appointment.code}/")
        self.assertContains(response, "Enter the waiting room")
        self.assertContains(response, f'href="{self.url}"')
        self.client.force_login(self.bob)
        response = self.client.get(f"/care/appointments/{self.appointment.code}/")
        self.assertContains(response, "Join video")
