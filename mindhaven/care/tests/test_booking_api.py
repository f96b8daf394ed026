"""The booking API: availability, directory, slots, appointments, cancel, reschedule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import mail
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from mindhaven.accounts.models import CareLink, User
from mindhaven.accounts.services import agree_to_privacy
from mindhaven.care.models import Appointment, ClinicianProfile, WeeklyWindow
from mindhaven.care.tests.booking_helpers import give_bob_hours, iso, link
from mindhaven.care.tests.dst import LONDON, NEW_YORK, at, spring_mondays
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.notifications.models import Notification

AVAILABILITY = "/api/v1/clinician/availability"
APPOINTMENTS = "/api/v1/care/appointments"


class BookingApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        link(cls.alice, cls.bob)
        agree_to_privacy(user=cls.charlie)

    def setUp(self) -> None:
        self.profile = give_bob_hours(self.bob)
        self.before, self.between, self.after = spring_mondays()

    def as_(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def post(self, user: User, url: str, data: dict[str, Any]) -> Any:
        return self.as_(user).post(url, data, content_type="application/json")

    def book(self, user: User, start: datetime, **extra: Any) -> Any:
        body = {"clinician": str(self.bob.code), "start": iso(start), **extra}
        return self.post(user, APPOINTMENTS, body)

    def slots(self, user: User, first: str, last: str, code: Any = None) -> Any:
        code = code or self.bob.code
        return self.as_(user).get(f"/api/v1/care/clinicians/{code}/slots?from={first}&to={last}")

    def fields(self, response: Any) -> list[str]:
        return [error["field"] for error in response.json()["detail"]]

    # --- the member in New York and the clinician in London -----------------------

    def test_it_books_across_the_dst_changes_and_both_calendars_agree(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(timezone="America/New_York")
        User.objects.filter(pk=self.bob.pk).update(timezone="Europe/London")
        alice = User.objects.get(pk=self.alice.pk)
        bob = User.objects.get(pk=self.bob.pk)
        mondays = (self.before, self.between, self.after)
        firsts = []
        for monday in mondays:
            response = self.slots(alice, monday.isoformat(), monday.isoformat())
            self.assertEqual(response.status_code, 200)
            items = response.json()["items"]
            self.assertEqual(len(items), 3)
            firsts.append(items[0]["start"])
        # 09:00 in London each Monday: 09:00 UTC in GMT, 08:00 UTC once BST starts.
        self.assertEqual(
            firsts,
            [f"{d}T09:00:00Z" for d in mondays[:2]] + [f"{mondays[2]}T08:00:00Z"],
        )
        booked = []
        for start in firsts:
            response = self.post(alice, APPOINTMENTS, {"clinician": str(bob.code), "start": start})
            self.assertEqual(response.status_code, 201, response.content)
            body = response.json()
            self.assertEqual(
                set(body) >= {"code", "start", "end", "clinician", "member"}, True, body
            )
            self.assertEqual(body["clinician"], str(bob.code))
            self.assertEqual(body["member"], str(alice.code))
            self.assertEqual(body["start"], start)
            booked.append(datetime.fromisoformat(start))
        # Each person's calendar: the viewer's own zone, the same instants.
        for user, zone, hours in (
            (alice, NEW_YORK, ["04:00", "05:00", "04:00"]),
            (bob, LONDON, ["09:00", "09:00", "09:00"]),
        ):
            response = self.as_(user).get("/api/v1/care/calendar.ics")
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response["Content-Type"].startswith("text/calendar"))
            calendar = Calendar.from_ical(response.content)
            events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
            self.assertEqual(len(events), 3)
            starts = [event.decoded("dtstart") for event in events]
            self.assertEqual([s.tzinfo.key for s in starts], [zone.key] * 3)
            self.assertEqual([f"{s:%H:%M}" for s in starts], hours)
            self.assertEqual([s.astimezone(UTC) for s in starts], booked)
            self.assertIn(f"TZID={zone.key}".encode(), response.content)
            self.assertIn(b"BEGIN:VTIMEZONE", response.content)
            self.assertEqual({str(e["status"]) for e in events}, {"CONFIRMED"})

    def test_it_lists_only_free_slots(self) -> None:
        first = at(self.before, 9)
        self.assertEqual(self.book(self.alice, first).status_code, 201)
        day = self.before.isoformat()
        starts = [item["start"] for item in self.slots(self.alice, day, day).json()["items"]]
        self.assertEqual(len(starts), 2)
        self.assertNotIn(iso(first), starts)

    # --- conflicts and bad input --------------------------------------------------

    def test_it_answers_409_for_a_taken_slot(self) -> None:
        ClinicianProfile.objects.filter(pk=self.profile.pk).update(
            listed=True, accepting_new_clients=True
        )
        start = at(self.between, 10)
        self.assertEqual(self.book(self.alice, start).status_code, 201)
        response = self.book(self.charlie, start)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.fields(response), ["start"])
        self.assertEqual(Appointment.objects.count(), 1)
        # Charlie was not linked by the failed booking.
        self.assertFalse(CareLink.objects.filter(member=self.charlie).exists())

    def test_it_answers_409_when_the_member_is_busy_then(self) -> None:
        ClinicianProfile.objects.create(
            clinician=self.dave, timezone="Europe/London", min_notice_hours=0, horizon_days=730
        )
        WeeklyWindow.objects.create(
            clinician=self.dave,
            weekday=0,
            start=at(self.between, 9).time(),
            end=at(self.between, 12).time(),
        )
        link(self.alice, self.dave)
        self.assertEqual(self.book(self.alice, at(self.between, 10)).status_code, 201)
        response = self.post(
            self.alice,
            APPOINTMENTS,
            {"clinician": str(self.dave.code), "start": iso(at(self.between, 10))},
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("already have an appointment", response.json()["detail"][0]["message"])

    def test_it_answers_422_naming_start_for_a_time_that_is_not_a_slot(self) -> None:
        cases = {
            "not on the grid": at(self.between, 10, 30),
            "outside the window": at(self.between, 14),
            "in the past": datetime(2020, 1, 6, 9, tzinfo=UTC),
            "within the notice": timezone.now().replace(microsecond=0) + timedelta(hours=2),
            "beyond the horizon": at(self.between + timedelta(days=7 * 110), 9),
        }
        for case, start in cases.items():
            with self.subTest(case):
                response = self.book(self.alice, start)
                self.assertEqual(response.status_code, 422, response.content)
                self.assertEqual(self.fields(response), ["start"])
        naive = self.post(
            self.alice, APPOINTMENTS, {"clinician": str(self.bob.code), "start": "2030-01-07T09:00"}
        )
        self.assertEqual(naive.status_code, 422)
        self.assertEqual(self.fields(naive), ["start"])
        self.assertFalse(Appointment.objects.exists())

    def test_it_is_idempotent_with_a_client_id(self) -> None:
        client_id = str(uuid.uuid4())
        first = self.book(self.alice, at(self.between, 9), client_id=client_id)
        again = self.book(self.alice, at(self.between, 9), client_id=client_id)
        self.assertEqual(first.status_code, 201)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(first.json()["code"], again.json()["code"])
        self.assertEqual(Appointment.objects.count(), 1)

    def test_it_rejects_bad_availability_and_changes_nothing(self) -> None:
        good_week = {"weekday": 0, "start": "09:00", "end": "12:00"}
        cases: dict[str, tuple[dict[str, Any], str]] = {
            "end before start": (
                {"weekly": [{"weekday": 1, "start": "12:00", "end": "09:00"}]},
                "weekly.0.end",
            ),
            "overlapping windows": (
                {
                    "weekly": [
                        {"weekday": 2, "start": "09:00", "end": "17:00"},
                        {"weekday": 2, "start": "10:00", "end": "11:00"},
                        {"weekday": 2, "start": "12:00", "end": "13:00"},
                    ]
                },
                "weekly.1.start",
            ),
            "unknown zone": ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
            "bad weekday": (
                {"weekly": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
                "weekly.0.weekday",
            ),
            "bad time": (
                {"weekly": [{"weekday": 1, "start": "9h", "end": "10:00"}]},
                "weekly.0.start",
            ),
            "slot too long": ({"slot_minutes": 600}, "slot_minutes"),
        }
        for case, (change, field) in cases.items():
            with self.subTest(case):
                body = {"timezone": "Europe/London", "slot_minutes": 50, "weekly": [good_week]}
                response = self.as_(self.bob).put(
                    AVAILABILITY, body | change, content_type="application/json"
                )
                self.assertEqual(response.status_code, 422, response.content)
                self.assertIn(field, self.fields(response))
                windows = list(
                    WeeklyWindow.objects.filter(clinician=self.bob).values_list(
                        "weekday", "start", "end"
                    )
                )
                self.assertEqual(len(windows), 1)
                self.assertEqual(windows[0][0], 0)

    def test_it_saves_availability_as_the_contract_says(self) -> None:
        body = {
            "timezone": "America/New_York",
            "slot_minutes": 45,
            "weekly": [
                {"weekday": 0, "start": "09:00", "end": "12:00"},
                {"weekday": 0, "start": "13:00", "end": "17:00"},
                {"weekday": 4, "start": "08:30", "end": "10:00"},
            ],
            "exceptions": [{"date": "2027-01-01", "kind": "unavailable"}],
        }
        response = self.as_(self.bob).put(AVAILABILITY, body, content_type="application/json")
        self.assertEqual(response.status_code, 200, response.content)
        saved = response.json()
        self.assertEqual(saved["timezone"], "America/New_York")
        self.assertEqual(saved["slot_minutes"], 45)
        self.assertEqual(saved["horizon_days"], 730)  # unchanged when not sent
        self.assertEqual(len(saved["weekly"]), 3)
        self.assertEqual(saved["exceptions"][0]["kind"], "unavailable")
        self.assertEqual(self.as_(self.bob).get(AVAILABILITY).json(), saved)
        self.assertEqual(self.as_(self.alice).get(AVAILABILITY).status_code, 403)

    # --- who may see and book ---------------------------------------------------------

    def test_it_hides_an_unlisted_clinician_from_charlie(self) -> None:
        items = self.as_(self.charlie).get("/api/v1/care/clinicians").json()["items"]
        self.assertEqual(items, [])
        alices = self.as_(self.alice).get("/api/v1/care/clinicians").json()["items"]
        self.assertEqual(
            alices,
            [
                {
                    "code": str(self.bob.code),
                    "username": "bob",
                    "display_name": "Bob",
                    "timezone": "Europe/London",
                    "languages": [],
                    "accepting_new_clients": False,
                }
            ],
        )
        day = self.between.isoformat()
        self.assertEqual(self.slots(self.charlie, day, day).status_code, 404)
        response = self.book(self.charlie, at(self.between, 9))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self.fields(response), ["clinician"])
        self.assertFalse(Appointment.objects.exists())

    def test_it_lets_new_members_book_only_when_the_clinician_accepts_them(self) -> None:
        ClinicianProfile.objects.filter(pk=self.profile.pk).update(listed=True)
        self.assertEqual(self.book(self.charlie, at(self.between, 9)).status_code, 403)
        ClinicianProfile.objects.filter(pk=self.profile.pk).update(accepting_new_clients=True)
        self.assertEqual(self.book(self.charlie, at(self.between, 9)).status_code, 201)
        link = CareLink.objects.get(member=self.charlie, clinician=self.bob)
        self.assertEqual(link.how, "directory")
        self.assertFalse(link.grants.exists())  # nothing shared by booking

    def test_it_asks_members_to_agree_to_the_privacy_summary_first(self) -> None:
        ClinicianProfile.objects.filter(pk=self.profile.pk).update(
            listed=True, accepting_new_clients=True
        )
        erin = make_user("erin")  # a member who has not agreed yet
        response = self.book(erin, at(self.between, 9))
        self.assertEqual(response.status_code, 403)
        self.assertIn("/accounts/privacy/agree/", response.json()["detail"])
        self.assertFalse(Appointment.objects.exists())

    def test_it_does_not_let_clinicians_book(self) -> None:
        ClinicianProfile.objects.filter(pk=self.profile.pk).update(
            listed=True, accepting_new_clients=True
        )
        self.assertEqual(self.book(self.dave, at(self.between, 9)).status_code, 403)
        self.assertFalse(Appointment.objects.exists())

    def test_it_checks_the_slot_range(self) -> None:
        response = self.slots(self.alice, "2027-02-10", "2027-02-01")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self.fields(response), ["to"])
        response = self.slots(self.alice, "2027-01-01", "2027-12-01")
        self.assertEqual(self.fields(response), ["to"])
        self.assertEqual(self.slots(self.alice, "2027-13-01", "2027-12-01").status_code, 422)

    # --- listing, cancelling, rescheduling ----------------------------------------------

    def test_it_lists_each_persons_own_appointments(self) -> None:
        code = self.book(self.alice, at(self.between, 9)).json()["code"]
        for user, expected in ((self.alice, [code]), (self.bob, [code]), (self.charlie, [])):
            items = self.as_(user).get(APPOINTMENTS).json()["items"]
            self.assertEqual([item["code"] for item in items], expected)

    def test_it_cancels_and_tells_the_other_person_without_clinical_content(self) -> None:
        code = self.book(self.alice, at(self.between, 9)).json()["code"]
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post(self.alice, f"{APPOINTMENTS}/{code}/cancel", {})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "cancelled")
        notice = Notification.objects.get(user=self.bob, title="Appointment cancelled")
        self.assertNotIn("Alice", notice.body)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["bob@example.org"])
        self.assertNotIn("Alice", mail.outbox[0].body)
        # Again: nothing changes.
        again = self.post(self.alice, f"{APPOINTMENTS}/{code}/cancel", {})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(Appointment.objects.get(code=code).sequence, 1)
        # The freed slot can be booked again.
        self.assertEqual(self.book(self.alice, at(self.between, 9)).status_code, 201)
        # Cancelled appointments stay in the feed, as cancelled.
        feed = Calendar.from_ical(self.as_(self.alice).get("/api/v1/care/calendar.ics").content)
        statuses = sorted(str(event["status"]) for event in feed.walk("VEVENT"))
        self.assertEqual(statuses, ["CANCELLED", "CONFIRMED"])

    def test_it_keeps_members_to_the_cancellation_notice(self) -> None:
        soon = timezone.now().replace(microsecond=0) + timedelta(hours=3)
        appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=soon, end=soon + timedelta(minutes=50)
        )
        response = self.post(self.alice, f"{APPOINTMENTS}/{appointment.code}/cancel", {})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self.fields(response), ["start"])
        self.assertIn("contact Bob", response.json()["detail"][0]["message"])
        appointment.refresh_from_db()
        self.assertTrue(appointment.is_booked)
        # The clinician can always cancel.
        response = self.post(self.bob, f"{APPOINTMENTS}/{appointment.code}/cancel", {})
        self.assertEqual(response.status_code, 200)

    def test_it_reschedules_to_a_free_slot(self) -> None:
        code = self.book(self.alice, at(self.between, 9)).json()["code"]
        url = f"{APPOINTMENTS}/{code}/reschedule"
        response = self.post(self.alice, url, {"start": iso(at(self.between, 11))})
        self.assertEqual(response.status_code, 201, response.content)
        moved = response.json()
        self.assertEqual(moved["rescheduled_from"], code)
        self.assertEqual(moved["start"], iso(at(self.between, 11)))
        self.assertEqual(Appointment.objects.get(code=code).status, "cancelled")
        bad = self.post(self.alice, f"{APPOINTMENTS}/{moved['code']}/reschedule", {"start": "x"})
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(self.fields(bad), ["start"])

    def test_it_hides_appointments_from_charlie(self) -> None:
        code = self.book(self.alice, at(self.between, 9)).json()["code"]
        self.assertEqual(
            self.post(self.charlie, f"{APPOINTMENTS}/{code}/cancel", {}).status_code, 404
        )
        self.assertEqual(self.post(self.dave, f"{APPOINTMENTS}/{code}/cancel", {}).status_code, 404)
        self.assertTrue(Appointment.objects.get(code=code).is_booked)
