"""Calendar feeds: the secret per-person .ics URL, its reset, and what the events say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

from mindhaven.accounts.models import User
from mindhaven.care.calendar import build_calendar
from mindhaven.care.models import Appointment, CalendarFeed
from mindhaven.care.services import booking as services
from mindhaven.care.tests.booking_helpers import link
from mindhaven.core.testing import BaseTestCase

START = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 in London (BST), 04:00 in New York


class CalendarTestCase(BaseTestCase):
    appointment: Appointment

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        link(cls.alice, cls.bob)
        User.objects.filter(pk=cls.bob.pk).update(timezone="America/New_York")
        cls.bob.refresh_from_db()
        cls.appointment = Appointment.objects.create(
            member=cls.alice, clinician=cls.bob, start=START, end=START + timedelta(minutes=50)
        )

    def events(self, body: bytes) -> list[Any]:
        return list(Calendar.from_ical(body).walk("VEVENT"))

    def test_it_serves_the_feed_to_anyone_with_the_secret_url(self) -> None:
        feed = services.get_calendar_feed(self.alice)
        response = self.client.get(f"/care/calendar/{feed.token}.ics")  # not signed in
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/calendar"))
        self.assertEqual(response["Cache-Control"], "no-store")
        (event,) = self.events(response.content)
        start = event.decoded("dtstart")
        self.assertEqual(start.tzinfo.key, "Europe/London")
        self.assertEqual(f"{start:%H:%M}", "09:00")
        self.assertEqual(start.astimezone(UTC), START)
        self.assertEqual(str(event["summary"]), "Session with Bob")
        self.assertEqual(str(event["uid"]), f"{self.appointment.code}@mindhaven")

    def test_it_shows_the_same_instant_in_each_persons_zone(self) -> None:
        (alices,) = self.events(build_calendar(self.alice))
        (bobs,) = self.events(build_calendar(self.bob))
        a, b = alices.decoded("dtstart"), bobs.decoded("dtstart")
        self.assertEqual((a.tzinfo.key, f"{a:%H:%M}"), ("Europe/London", "09:00"))
        self.assertEqual((b.tzinfo.key, f"{b:%H:%M}"), ("America/New_York", "04:00"))
        self.assertEqual(a, b)
        self.assertEqual(str(bobs["summary"]), "Session with Alice")
        body = build_calendar(self.bob).decode()
        self.assertIn("DTSTART;TZID=America/New_York:20300701T040000", body)
        self.assertIn("BEGIN:VTIMEZONE", body)
        self.assertIn("TZID:America/New_York", body)

    def test_it_marks_cancelled_appointments_and_bumps_the_sequence(self) -> None:
        services.cancel_appointment(appointment=self.appointment, by=self.bob)
        (event,) = self.events(build_calendar(self.alice))
        self.assertEqual(str(event["status"]), "CANCELLED")
        self.assertEqual(int(event["sequence"]), 1)

    def test_it_resets_the_secret_url(self) -> None:
        old = services.get_calendar_feed(self.alice).token
        self.client.force_login(self.alice)
        page = self.client.get("/care/calendar/")
        self.assertContains(page, f"/care/calendar/{old}.ics")
        # One press subscribes in the calendar app (webcal:// is the subscribe scheme).
        self.assertContains(page, f'href="webcal://testserver/care/calendar/{old}.ics"')
        self.client.post("/care/calendar/reset/")
        new = CalendarFeed.objects.get(user=self.alice).token
        self.assertNotEqual(new, old)
        self.client.logout()
        self.assertEqual(self.client.get(f"/care/calendar/{old}.ics").status_code, 404)
        self.assertEqual(self.client.get(f"/care/calendar/{new}.ics").status_code, 200)

    def test_it_gives_charlie_only_his_own_calendar(self) -> None:
        feed = services.get_calendar_feed(self.charlie)
        response = self.client.get(f"/care/calendar/{feed.token}.ics")
        self.assertEqual(self.events(response.content), [])
        self.assertEqual(self.client.get("/care/calendar/not-a-token.ics").status_code, 404)
        self.client.force_login(self.charlie)
        api = self.client.get("/api/v1/care/calendar.ics")
        self.assertEqual(self.events(api.content), [])

    def test_it_stops_a_deactivated_persons_feed(self) -> None:
        feed = services.get_calendar_feed(self.alice)
        User.objects.filter(pk=self.alice.pk).update(is_active=False)
        self.assertEqual(self.client.get(f"/care/calendar/{feed.token}.ics").status_code, 404)
