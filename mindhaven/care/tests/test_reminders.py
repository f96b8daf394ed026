"""Appointment reminders: 24 hours and 1 hour before, both people, once each, no content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment
from mindhaven.care.tasks import REMINDER_KIND, send_appointment_reminders
from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import ensure_messages_compiled
from mindhaven.notifications.models import Notification

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def run(now: datetime) -> dict[str, int]:
    return send_appointment_reminders.call(now.isoformat())


class RemindersTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()

    def setUp(self) -> None:
        self.appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=START, end=START + timedelta(minutes=50)
        )

    def reminders(self, user: User) -> list[Notification]:
        return list(Notification.objects.filter(user=user, kind=REMINDER_KIND).order_by("id"))

    def test_it_reminds_both_a_day_and_an_hour_ahead_once_each(self) -> None:
        self.assertEqual(run(START - timedelta(hours=25))["day"], 0)
        counts = run(START - timedelta(hours=23, minutes=55))
        self.assertEqual((counts["day"], counts["emailed"]), (1, 2))
        self.assertEqual(run(START - timedelta(hours=23))["day"], 0)  # not again
        self.assertEqual(run(START - timedelta(hours=2))["hour"], 0)
        self.assertEqual(run(START - timedelta(minutes=58))["hour"], 1)
        self.assertEqual(run(START - timedelta(minutes=30))["hour"], 0)
        for user in (self.alice, self.bob):
            titles = [n.title for n in self.reminders(user)]
            self.assertEqual(
                titles, ["Your appointment is tomorrow", "Your appointment starts in an hour"]
            )
        self.appointment.refresh_from_db()
        self.assertIsNotNone(self.appointment.reminded_24h_at)
        self.assertIsNotNone(self.appointment.reminded_1h_at)
        self.assertEqual(len(mail.outbox), 4)

    def test_it_sends_no_clinical_content_or_names(self) -> None:
        run(START - timedelta(hours=20))
        self.assertEqual(len(mail.outbox), 2)
        for message in mail.outbox:
            # Each is greeted by name; the other person is never named.
            other = "Bob" if message.to == ["alice@example.org"] else "Alice"
            for word in (other, "session", "therapy", "note"):
                self.assertNotIn(word, f"{message.subject} {message.body}")
        for notice in self.reminders(self.alice) + self.reminders(self.bob):
            self.assertNotIn("Bob", notice.body)
            self.assertNotIn("Alice", notice.body)

    def test_it_sends_one_reminder_for_a_booking_made_within_the_hour(self) -> None:
        counts = run(START - timedelta(minutes=40))
        self.assertEqual((counts["day"], counts["hour"]), (0, 1))
        self.assertEqual(run(START - timedelta(minutes=30)), {"day": 0, "hour": 0, "emailed": 0})
        self.assertEqual(len(self.reminders(self.alice)), 1)

    def test_it_skips_cancelled_and_past_appointments(self) -> None:
        Appointment.objects.filter(pk=self.appointment.pk).update(status="cancelled")
        self.assertEqual(run(START - timedelta(hours=3))["day"], 0)
        Appointment.objects.filter(pk=self.appointment.pk).update(status="booked")
        self.assertEqual(run(START + timedelta(minutes=5)), {"day": 0, "hour": 0, "emailed": 0})

    def test_it_writes_in_each_persons_language_and_zone(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(locale="es", timezone="America/New_York")
        run(START - timedelta(hours=20))
        (notice,) = self.reminders(self.alice)
        self.assertEqual(notice.title, "Tu cita es mañana")
        self.assertIn("America/New_York", notice.body)
        self.assertIn("4:00", notice.body)  # 09:00 UTC on 4 March 2030 is 04:00 EST
        self.assertEqual(notice.url, f"/care/appointments/{self.appointment.code}/")

    def test_it_runs_from_the_command(self) -> None:
        out = StringIO()
        call_command("send-appointment-reminders", stdout=out)
        self.assertIn("appointment reminders:", out.getvalue())
