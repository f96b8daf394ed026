"""Booking pages: appointments, directory, slots in the viewer's zone, booking, cancel,
reschedule, the clinician's availability editor and schedule, the demo data."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from mindhaven.accounts.demo import create_demo_personas
from mindhaven.accounts.models import User
from mindhaven.accounts.services import grant_consent
from mindhaven.care.models import (
    Appointment,
    AvailabilityException,
    Thread,
    VideoRoom,
    WeeklyWindow,
)
from mindhaven.care.tests.booking_helpers import give_bob_hours, iso, link
from mindhaven.care.tests.dst import at, spring_mondays
from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import ensure_messages_compiled


class BookingPagesTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()  # before any page loads the Spanish catalogue

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        link(cls.alice, cls.bob)
        User.objects.filter(pk=cls.alice.pk).update(timezone="America/New_York")
        cls.alice.refresh_from_db()

    def setUp(self) -> None:
        self.profile = give_bob_hours(self.bob)
        _before, self.between, self.after = spring_mondays()

    def appointment(self, start: datetime | None = None) -> Appointment:
        begins = start or at(self.between, 9)
        return Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=begins, end=begins + timedelta(minutes=50)
        )

    def test_it_shows_slots_in_the_members_zone(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(
            f"/care/clinicians/{self.bob.code}/?from={self.between.isoformat()}"
        )
        self.assertEqual(response.status_code, 200)
        # 09:00 London is 05:00 in New York between the two spring changes.
        self.assertContains(response, ">05:00<")
        self.assertContains(response, "America/New_York")
        self.assertNotContains(response, ">09:00<")

    def test_it_serves_only_the_slots_to_htmx(self) -> None:
        self.client.force_login(self.alice)
        url = f"/care/clinicians/{self.bob.code}/?from={self.between.isoformat()}"
        response = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(response, 'id="slots"')
        self.assertNotContains(response, "<html")
        self.assertIn("HX-Request", response["Vary"])
        self.assertIn("HX-Request", self.client.get(url)["Vary"])

    def test_it_books_through_the_confirm_page(self) -> None:
        self.client.force_login(self.alice)
        start = iso(at(self.between, 10))
        url = f"/care/clinicians/{self.bob.code}/book/"
        page = self.client.get(url, {"start": start})
        self.assertContains(page, "Confirm your appointment")
        self.assertContains(page, "06:00")  # New York time
        client_id = str(uuid.uuid4())
        response = self.client.post(url, {"start": start, "client_id": client_id})
        found = Appointment.objects.get()
        self.assertRedirects(response, f"/care/appointments/{found.code}/")
        # A second press of the same form books nothing more.
        again = self.client.post(url, {"start": start, "client_id": client_id})
        self.assertRedirects(again, f"/care/appointments/{found.code}/")
        self.assertEqual(Appointment.objects.count(), 1)
        home = self.client.get("/care/")
        self.assertContains(home, f"/care/appointments/{found.code}/")

    def test_it_explains_a_taken_slot(self) -> None:
        self.appointment(at(self.between, 10))
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/care/clinicians/{self.bob.code}/book/", {"start": iso(at(self.between, 10))}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "has just been booked", status_code=400)

    def test_it_cancels_with_the_notice_rule(self) -> None:
        soon = timezone.now().replace(microsecond=0) + timedelta(hours=2)
        near = self.appointment(soon)
        self.client.force_login(self.alice)
        # Inside the notice the page offers no change and says whom to ask instead.
        page = self.client.get(f"/care/appointments/{near.code}/")
        self.assertNotContains(page, "Choose another time")
        self.assertNotContains(page, "Cancel appointment")
        self.assertContains(page, "up to 24 hours before they start. To change this one now")
        self.assertContains(page, "contact Bob")
        moving = self.client.get(f"/care/appointments/{near.code}/reschedule/", follow=True)
        self.assertEqual(moving.redirect_chain, [(f"/care/appointments/{near.code}/", 302)])
        self.assertContains(moving, 'class="message message-error"')
        self.client.force_login(self.bob)  # the clinician may change it until it ends
        self.assertContains(
            self.client.get(f"/care/appointments/{near.code}/"), "Cancel appointment"
        )
        self.client.force_login(self.alice)
        response = self.client.post(f"/care/appointments/{near.code}/cancel/", follow=True)
        self.assertContains(response, "contact Bob")
        near.refresh_from_db()
        self.assertTrue(near.is_booked)
        far = self.appointment()
        cancelled = self.client.post(f"/care/appointments/{far.code}/cancel/", follow=True)
        far.refresh_from_db()
        self.assertFalse(far.is_booked)
        # No dead end: the member can pick another time with the same clinician.
        self.assertContains(cancelled, f'href="/care/clinicians/{self.bob.code}/"')
        self.assertContains(cancelled, "Book another time with")
        self.client.force_login(self.bob)
        self.assertNotContains(
            self.client.get(f"/care/appointments/{far.code}/"), "Book another time"
        )

    def test_it_reschedules_from_the_page(self) -> None:
        found = self.appointment()
        self.client.force_login(self.alice)
        url = f"/care/appointments/{found.code}/reschedule/"
        page = self.client.get(url, {"from": self.between.isoformat()})
        self.assertContains(page, "Choose another time")
        response = self.client.post(url, {"start": iso(at(self.between, 11))})
        moved = Appointment.objects.get(rescheduled_from=found)
        self.assertRedirects(response, f"/care/appointments/{moved.code}/")
        # The lists show the new time, not the old one as a cancellation.
        home = self.client.get("/care/")
        self.assertContains(home, f"/care/appointments/{moved.code}/")
        self.assertNotContains(home, f"/care/appointments/{found.code}/")
        self.assertNotContains(home, "care-cancelled")
        self.assertContains(self.client.get(f"/care/appointments/{moved.code}/"), "Moved from")

    def test_it_shows_the_appointment_to_both_and_hides_it_from_others(self) -> None:
        found = self.appointment()
        for user, status in (
            (self.alice, 200),
            (self.bob, 200),
            (self.charlie, 404),
            (self.dave, 404),
            (self.carol, 404),
        ):
            self.client.force_login(user)
            response = self.client.get(f"/care/appointments/{found.code}/")
            self.assertEqual(response.status_code, status, user)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(f"/care/clinicians/{self.bob.code}/").status_code, 404)
        self.assertNotContains(self.client.get("/care/clinicians/"), "Bob")

    def test_it_saves_availability_from_the_editor(self) -> None:
        self.client.force_login(self.bob)
        data = {
            "timezone": "Europe/London",
            "slot_minutes": 50,
            "buffer_minutes": 10,
            "min_notice_hours": 12,
            "horizon_days": 90,
            "cancel_notice_hours": 24,
            "languages_text": "English, Spanish",
            "listed": "on",
            "monday": "09:00-12:00, 13:00-17:00",
            "wednesday": "10:00-12:00",
        }
        response = self.client.post("/care/availability/", data)
        self.assertRedirects(response, "/care/availability/")
        self.assertEqual(WeeklyWindow.objects.filter(clinician=self.bob).count(), 3)
        self.profile.refresh_from_db()
        self.assertEqual(self.profile.languages, ["English", "Spanish"])
        self.assertTrue(self.profile.listed)
        self.assertEqual(self.profile.horizon_days, 90)

    def test_it_names_the_field_of_bad_availability_and_changes_nothing(self) -> None:
        self.client.force_login(self.bob)
        base = {
            "timezone": "Europe/London",
            "slot_minutes": 50,
            "buffer_minutes": 10,
            "min_notice_hours": 12,
            "horizon_days": 90,
            "cancel_notice_hours": 24,
        }
        for extra, field, message in (
            ({"tuesday": "12:00-09:00"}, "tuesday", "The end must be after the start."),
            ({"friday": "09:00-12:00, 11:00-13:00"}, "friday", "overlaps"),
            ({"monday": "nine to five"}, "monday", "is not a time range"),
            ({"timezone": "Mars/Base"}, "timezone", "Select a valid choice"),
        ):
            with self.subTest(field):
                response = self.client.post("/care/availability/", base | extra)
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.context["form"].errors)
                self.assertIn(message, str(response.context["form"].errors[field]))
                # The summary at the top links to the field, far down a long page.
                self.assertContains(response, "data-error-summary", status_code=400)
                self.assertContains(response, f'href="#id_{field}"', status_code=400)
                self.assertEqual(WeeklyWindow.objects.filter(clinician=self.bob).count(), 1)

    def test_it_adds_and_removes_days_off(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            "/care/availability/exceptions/",
            {"date": self.between.isoformat(), "kind": "unavailable"},
        )
        self.assertEqual(response.status_code, 302)
        day_off = AvailabilityException.objects.get()
        self.client.force_login(self.alice)
        page = self.client.get(f"/care/clinicians/{self.bob.code}/?from={self.between}")
        self.assertNotContains(page, f"{self.between}T09%3A00%3A00")
        self.assertContains(page, f"{self.between + timedelta(days=7)}T09%3A00%3A00")
        bad = self.client.post("/care/availability/exceptions/", {"date": "2027-01-01"})
        self.assertEqual(bad.status_code, 403)  # alice is not a clinician
        self.client.force_login(self.bob)
        bad = self.client.post(
            "/care/availability/exceptions/", {"date": "2027-01-01", "kind": "extra"}
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("start", bad.context["exception_form"].errors)
        self.client.force_login(self.dave)
        self.assertEqual(
            self.client.post(f"/care/availability/exceptions/{day_off.pk}/delete/").status_code,
            404,
        )
        self.client.force_login(self.bob)
        self.client.post(f"/care/availability/exceptions/{day_off.pk}/delete/")
        self.assertFalse(AvailabilityException.objects.exists())

    def test_it_warns_that_time_off_keeps_booked_appointments(self) -> None:
        self.appointment()  # 09:00 London on self.between
        self.client.force_login(self.bob)
        # Afternoon off: nothing booked then, no warning.
        response = self.client.post(
            "/care/availability/exceptions/",
            {
                "date": self.between.isoformat(),
                "kind": "unavailable",
                "start": "13:00",
                "end": "17:00",
            },
            follow=True,
        )
        self.assertNotContains(response, "You still have")
        response = self.client.post(
            "/care/availability/exceptions/",
            {"date": self.between.isoformat(), "kind": "unavailable"},
            follow=True,
        )
        self.assertContains(response, "You still have 1 appointment in that time.")
        day_url = f"/care/schedule/?date={self.between.isoformat()}&amp;view=day"
        self.assertContains(response, f'<a href="{day_url}">see that day in your schedule</a>')
        self.assertTrue(Appointment.objects.get().is_booked)  # nothing was cancelled
        # On a phone the table of changes scrolls inside its own region, not the page.
        self.assertContains(response, 'class="care-table-wrap" role="region"')

    def test_it_shows_the_clinicians_week_and_day(self) -> None:
        found = self.appointment()
        self.client.force_login(self.bob)
        week = self.client.get("/care/schedule/", {"date": self.between.isoformat()})
        self.assertContains(week, f"/care/appointments/{found.code}/")
        self.assertContains(week, "Alice")
        day = self.client.get(
            "/care/schedule/", {"date": (self.between + timedelta(1)).isoformat(), "view": "day"}
        )
        self.assertContains(day, "No appointments.")
        # Whatever day is shown, the next appointment is one link away (here: once).
        self.assertContains(day, f"/care/appointments/{found.code}/", count=1)
        self.assertContains(day, "Your next appointment:")
        found.status = Appointment.Status.CANCELLED
        found.save()
        self.assertContains(
            self.client.get("/care/schedule/"), "You have no upcoming appointments."
        )
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get("/care/schedule/").status_code, 403)

    def test_it_links_the_open_video_room_from_the_lists_only(self) -> None:
        soon = timezone.now().replace(microsecond=0) + timedelta(minutes=5)
        now_on = self.appointment(soon)
        later = self.appointment(soon + timedelta(days=2))
        room = f'class="room-link" href="/care/rooms/{now_on.code}/"'
        day = soon.astimezone(ZoneInfo(self.bob.timezone)).date().isoformat()
        self.client.force_login(self.bob)
        for page in ("/care/", f"/care/schedule/?view=day&date={day}"):
            response = self.client.get(page)
            self.assertContains(response, room, msg_prefix=page)
            self.assertContains(response, ">Join video</a>", count=1, msg_prefix=page)
            self.assertNotContains(response, f"/care/rooms/{later.code}/", msg_prefix=page)
        self.client.force_login(self.alice)
        response = self.client.get("/care/")
        self.assertContains(response, room)
        self.assertContains(response, ">Enter the waiting room</a>", count=1)
        self.assertNotContains(response, 'data-badge="room-')  # markers are bob's only
        # Alice waits: bob's lists say since when, in his zone.
        waiting_since = soon - timedelta(minutes=3)
        VideoRoom.objects.create(appointment=now_on, member_waiting_since=waiting_since)
        since = waiting_since.astimezone(ZoneInfo(self.bob.timezone)).strftime("%H:%M")
        self.client.force_login(self.bob)
        for page in ("/care/", f"/care/schedule/?view=day&date={day}"):
            self.assertContains(
                self.client.get(page), f"Waiting since {since}", count=1, msg_prefix=page
            )

    def test_it_speaks_spanish(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(locale="es")
        self.client.force_login(self.alice)
        self.client.cookies["django_language"] = "es"
        response = self.client.get("/care/", headers={"accept-language": "es"})
        self.assertContains(response, "<h1>Citas</h1>", html=False)
        self.assertContains(response, "Las horas se muestran en tu zona horaria")
        self.assertContains(response, 'lang="es"')

    def test_it_asks_before_cancelling_and_links_messages_and_the_event(self) -> None:
        found = self.appointment()
        # bob cannot read alice's messages before she shares them: no link to a 404.
        self.client.force_login(self.bob)
        self.assertNotContains(
            self.client.get(f"/care/appointments/{found.code}/"), "Messages with Alice"
        )
        grant_consent(member=self.alice, clinician=self.bob, categories=["messages"])
        shared = self.client.get(f"/care/appointments/{found.code}/")
        thread = Thread.objects.get(member=self.alice, clinician=self.bob)
        self.assertContains(
            shared,
            f'<a href="/care/messages/{thread.code}/">Messages with Alice</a>',
            html=True,
        )
        self.client.force_login(self.alice)
        page = self.client.get(f"/care/appointments/{found.code}/")
        # Cancelling takes a second, explicit press ("Yes, cancel it") inside a disclosure.
        self.assertContains(page, '<details class="care-confirm" id="cancel-confirm">')
        self.assertContains(page, "Yes, cancel it")
        self.assertContains(page, f'href="/care/messages/{thread.code}/"')
        self.assertContains(page, f'href="/care/appointments/{found.code}/event.ics"')

    def test_it_says_when_a_booked_time_has_passed(self) -> None:
        begins = timezone.now().replace(microsecond=0) - timedelta(days=3)
        past = self.appointment(begins)
        self.client.force_login(self.bob)
        page = self.client.get(f"/care/appointments/{past.code}/")
        self.assertContains(page, "Booked; this time has passed")
        self.assertNotContains(page, "Yes, cancel it")
        upcoming = self.client.get(f"/care/appointments/{self.appointment().code}/")
        self.assertNotContains(upcoming, "this time has passed")

    def test_it_gives_one_appointment_as_an_ics_file_to_its_participants(self) -> None:
        found = self.appointment()
        other = self.appointment(at(self.between, 10))
        self.client.force_login(self.alice)
        response = self.client.get(f"/care/appointments/{found.code}/event.ics")
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        body = response.content.decode()
        self.assertIn(f"UID:{found.code}@mindhaven", body)
        self.assertNotIn(str(other.code), body)
        self.assertIn("TZID=America/New_York", body)  # alice's zone
        self.client.force_login(self.bob)
        self.assertEqual(
            self.client.get(f"/care/appointments/{found.code}/event.ics").status_code, 200
        )
        for outsider in (self.charlie, self.dave, self.carol):
            self.client.force_login(outsider)
            response = self.client.get(f"/care/appointments/{found.code}/event.ics")
            self.assertEqual(response.status_code, 404, outsider)

    def test_it_gives_the_time_being_moved_with_its_zone(self) -> None:
        found = self.appointment()
        self.client.force_login(self.alice)
        page = self.client.get(f"/care/appointments/{found.code}/reschedule/")
        # 09:00 London is 05:00 in New York between the spring changes.
        self.assertContains(page, "05:00 (America/New_York). Choosing a new time")
        self.assertNotContains(page, "..")

    def test_it_tells_a_member_which_clinicians_are_hers_in_the_directory(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get("/care/clinicians/")
        self.assertContains(page, "Your clinician: you can book a time.")
        self.assertNotContains(page, "Not accepting new clients")

    def test_it_says_when_the_schedule_zone_is_not_the_hours_zone(self) -> None:
        User.objects.filter(pk=self.bob.pk).update(timezone="America/New_York")
        self.client.force_login(self.bob)
        page = self.client.get("/care/schedule/")
        self.assertContains(page, 'id="zone-differs"')
        self.assertContains(page, "Your weekly hours are set in Europe/London")
        User.objects.filter(pk=self.bob.pk).update(timezone="Europe/London")
        self.assertNotContains(self.client.get("/care/schedule/"), 'id="zone-differs"')

    def test_it_gives_the_clinician_a_page_per_client_with_sessions_notes_and_messages(
        self,
    ) -> None:
        upcoming = self.appointment()
        begins = timezone.now().replace(microsecond=0) - timedelta(days=3)
        past = self.appointment(begins)
        self.client.force_login(self.bob)
        clients = self.client.get("/accounts/clients/")
        url = f"/care/clients/{self.alice.code}/"
        self.assertContains(clients, f'href="{url}"')
        page = self.client.get(url)
        self.assertContains(page, f'href="/care/appointments/{upcoming.code}/"')
        self.assertContains(page, f'href="/care/appointments/{past.code}/note/"')
        self.assertContains(page, "Write session note")
        self.assertContains(page, "does not share Messages with you")
        grant_consent(member=self.alice, clinician=self.bob, categories=["messages"])
        page = self.client.get(url)
        thread = Thread.objects.get(member=self.alice, clinician=self.bob)
        self.assertContains(page, f'href="/care/messages/{thread.code}/"')
        # So do the appointment page and the thread, for bob only.
        appointment_page = self.client.get(f"/care/appointments/{upcoming.code}/")
        self.assertContains(appointment_page, f'href="{url}"')
        self.assertContains(self.client.get(f"/care/messages/{thread.code}/"), f'href="{url}"')
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(f"/care/appointments/{upcoming.code}/"), url)
        self.assertNotContains(self.client.get(f"/care/messages/{thread.code}/"), url)
        self.client.force_login(self.bob)
        # The schedule links each client's name to this page too.
        self.assertContains(self.client.get(f"/care/schedule/?date={self.between}"), url)
        # Only bob, and only while alice is linked to him.
        for outsider in (self.alice, self.dave, self.carol, self.charlie):
            self.client.force_login(outsider)
            self.assertEqual(self.client.get(url).status_code, 404, outsider)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(f"/care/clients/{self.charlie.code}/").status_code, 404)

    def test_it_makes_the_demo_data_once(self) -> None:
        create_demo_personas(password="demo password 42")
        create_demo_personas(password="demo password 42")
        bob = User.objects.get(username="bob")
        self.assertTrue(bob.clinician_profile.listed)
        self.assertEqual(bob.clinician_profile.timezone, "Europe/London")
        self.assertEqual(WeeklyWindow.objects.filter(clinician=bob).count(), 8)
        upcoming = Appointment.objects.filter(
            member__username="alice", clinician=bob, start__gt=timezone.now()
        )
        self.assertEqual(upcoming.count(), 1)
        # A past session too, so bob has a session note to write in the demo.
        past = Appointment.objects.filter(
            member__username="alice", clinician=bob, start__lt=timezone.now()
        )
        self.assertEqual(past.count(), 1)
        self.assertLess(past.get().start.astimezone(ZoneInfo("Europe/London")).weekday(), 4)
