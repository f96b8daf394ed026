"""send_due_reminders: once a day per member, by notification and (if chosen) email."""

import uuid
from datetime import UTC, date, datetime, time
from io import StringIO
from typing import Any
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import ensure_messages_compiled
from mindhaven.mood import preferences
from mindhaven.mood.models import ReminderDelivery, ReminderSetting
from mindhaven.mood.services import record_checkin
from mindhaven.mood.tasks import REMINDER_KIND, send_due_reminders
from mindhaven.notifications.models import Notification

# 09:05 in London (BST) on 2 June 2025; alice's reminder is at 09:00.
MORNING = datetime(2025, 6, 2, 8, 5, tzinfo=UTC)


def run(now: datetime) -> dict[str, int]:
    return send_due_reminders.call(now.isoformat())


def reminders_of(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=REMINDER_KIND))


class SendRemindersTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()  # the Spanish cases

    def setUp(self) -> None:
        self.setting = ReminderSetting.objects.create(
            member=self.alice, enabled=True, local_time=time(9, 0)
        )

    def enable(self, user: User, **fields: Any) -> ReminderSetting:
        return ReminderSetting.objects.create(member=user, enabled=True, **fields)

    def test_it_sends_once_per_day_even_when_run_twice(self) -> None:
        self.assertEqual(run(MORNING)["sent"], 1)
        self.assertEqual(run(MORNING)["sent"], 0)
        self.assertEqual(run(datetime(2025, 6, 2, 8, 30, tzinfo=UTC))["sent"], 0)
        self.assertEqual(len(reminders_of(self.alice)), 1)
        self.assertEqual(ReminderDelivery.objects.get().local_date, date(2025, 6, 2))
        # The next day comes again.
        self.assertEqual(run(datetime(2025, 6, 3, 8, 1, tzinfo=UTC))["sent"], 1)
        self.assertEqual(len(reminders_of(self.alice)), 2)

    def test_it_does_not_send_before_the_time(self) -> None:
        self.assertEqual(run(datetime(2025, 6, 2, 7, 59, tzinfo=UTC))["sent"], 0)
        self.assertFalse(ReminderDelivery.objects.exists())

    def test_it_sends_no_email_unless_chosen(self) -> None:
        run(MORNING)
        self.assertEqual(len(mail.outbox), 0)

    def test_it_emails_once_when_chosen(self) -> None:
        self.setting.email_enabled = True
        self.setting.save()
        counts = run(MORNING)
        run(MORNING)
        self.assertEqual(counts["emailed"], 1)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.org"])
        self.assertIn("/mood/check-in/", message.body)
        self.assertIn("/mood/reminders/snooze/", message.body)
        self.assertIn("/mood/settings/", message.body)

    def test_it_sends_nothing_when_disabled(self) -> None:
        self.setting.enabled = False
        self.setting.email_enabled = True
        self.setting.save()
        self.assertEqual(run(MORNING)["sent"], 0)
        self.assertEqual(reminders_of(self.alice), [])
        self.assertEqual(len(mail.outbox), 0)

    def test_it_links_the_notification_to_snooze(self) -> None:
        run(MORNING)
        notification = reminders_of(self.alice)[0]
        self.assertEqual(notification.url, "/mood/reminders/snooze/")
        self.assertEqual(notification.title, "Time for a check-in")

    def test_it_contains_no_clinical_content(self) -> None:
        self.setting.email_enabled = True
        self.setting.save()
        record_checkin(
            member=self.alice,
            client_id=uuid.uuid4(),
            recorded_at=datetime(2025, 6, 1, 20, tzinfo=UTC),
            mood=1,
            emotions=["hopeless"],
            activities=["therapy"],
            note="a very private note",
        )
        run(MORNING)
        notification = reminders_of(self.alice)[0]
        texts = [notification.title, notification.body, mail.outbox[0].subject, mail.outbox[0].body]
        for text in texts:
            for word in ("awful", "private note", "hopeless", "therapy", "mood was", "1/5"):
                self.assertNotIn(word, text.lower())

    def test_it_uses_each_members_zone_and_language(self) -> None:
        # carol reads Spanish and lives in Sydney: 09:00 there is 23:00 UTC the day before.
        self.carol.timezone = "Australia/Sydney"
        self.carol.save()
        self.enable(self.carol, local_time=time(9, 0))
        counts = run(datetime(2025, 6, 1, 23, 1, tzinfo=UTC))
        self.assertEqual(counts["sent"], 1)  # carol's; alice's 09:00 is hours away
        notification = reminders_of(self.carol)[0]
        self.assertEqual(notification.title, "Hora de registrar cómo estás")
        self.assertEqual(ReminderDelivery.objects.get().local_date, date(2025, 6, 2))

    def test_it_skips_a_member_who_already_checked_in_today(self) -> None:
        record_checkin(
            member=self.alice,
            client_id=uuid.uuid4(),
            recorded_at=datetime(2025, 6, 1, 23, 30, tzinfo=UTC),  # 00:30 on 2 June in London
            mood=4,
        )
        counts = run(MORNING)
        self.assertEqual((counts["sent"], counts["already_checked_in"]), (0, 1))
        self.assertEqual(reminders_of(self.alice), [])

    def test_it_delays_a_snoozed_reminder_and_sends_it_once(self) -> None:
        run(MORNING)
        with mock.patch.object(timezone, "now", return_value=MORNING):
            preferences.snooze_reminder(member=self.alice)
        self.assertEqual(run(datetime(2025, 6, 2, 9, 4, tzinfo=UTC))["sent"], 0)
        self.assertEqual(run(datetime(2025, 6, 2, 9, 5, tzinfo=UTC))["sent"], 1)
        self.assertEqual(run(datetime(2025, 6, 2, 9, 6, tzinfo=UTC))["sent"], 0)
        self.assertEqual(len(reminders_of(self.alice)), 2)
        delivery = ReminderDelivery.objects.get()
        self.assertEqual(delivery.sends, 2)

    def test_it_snoozes_before_the_reminder_came(self) -> None:
        with mock.patch.object(timezone, "now", return_value=datetime(2025, 6, 2, 7, tzinfo=UTC)):
            preferences.snooze_reminder(member=self.alice)
        self.assertEqual(run(MORNING)["sent"], 0)
        self.assertEqual(run(datetime(2025, 6, 2, 9, 0, tzinfo=UTC))["sent"], 1)  # 10:00 BST

    def test_it_skips_today(self) -> None:
        with mock.patch.object(timezone, "now", return_value=datetime(2025, 6, 2, 7, tzinfo=UTC)):
            preferences.snooze_reminder(member=self.alice, skip_today=True)
        for hour in (8, 12, 20):
            self.assertEqual(run(datetime(2025, 6, 2, hour, 1, tzinfo=UTC))["sent"], 0)
        self.assertEqual(run(datetime(2025, 6, 3, 8, 1, tzinfo=UTC))["sent"], 1)

    def test_it_does_not_remind_at_once_when_turned_on_after_the_time(self) -> None:
        ReminderSetting.objects.all().delete()
        afternoon = datetime(2025, 6, 2, 14, tzinfo=UTC)
        with mock.patch.object(timezone, "now", return_value=afternoon):
            preferences.update_reminder_setting(
                member=self.alice,
                enabled=True,
                local_time=time(14, 30),  # 13:30 UTC: already past
                email_enabled=False,
                show_streak=False,
            )
        self.assertEqual(run(datetime(2025, 6, 2, 14, 5, tzinfo=UTC))["sent"], 0)
        self.assertEqual(run(datetime(2025, 6, 3, 13, 31, tzinfo=UTC))["sent"], 1)

    def test_it_runs_from_the_command(self) -> None:
        out = StringIO()
        with mock.patch.object(timezone, "now", return_value=MORNING):
            call_command("send-reminders", stdout=out)
            call_command("send-reminders", stdout=out)
        self.assertIn("reminders: 1 sent", out.getvalue())
        self.assertIn("reminders: 0 sent", out.getvalue())
        self.assertEqual(len(reminders_of(self.alice)), 1)

    def test_it_broadcasts_after_commit(self) -> None:
        with (
            mock.patch("mindhaven.notifications.services.broadcast_notification") as broadcast,
            self.captureOnCommitCallbacks(execute=True),
        ):
            run(MORNING)
        broadcast.assert_called_once()
        self.assertEqual(broadcast.call_args.args[0].kind, REMINDER_KIND)
