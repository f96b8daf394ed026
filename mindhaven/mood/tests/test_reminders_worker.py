"""send_due_reminders through the database backend and `mindhaven worker`, like core's test."""

from datetime import UTC, datetime, time
from io import StringIO

from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from mindhaven.core.testing import make_user
from mindhaven.mood.models import ReminderDelivery, ReminderSetting
from mindhaven.mood.tasks import REMINDER_KIND, send_due_reminders
from mindhaven.notifications.models import Notification

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MORNING = datetime(2025, 6, 2, 8, 5, tzinfo=UTC)  # 09:05 in London


# The worker claims and runs rows in transactions of its own: TransactionTestCase.
@override_settings(TASKS=DATABASE_TASKS)
class ReminderWorkerTestCase(TransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice = make_user("alice", timezone="Europe/London")
        ReminderSetting.objects.create(
            member=self.alice, enabled=True, local_time=time(9, 0), email_enabled=True
        )

    def run_worker(self) -> str:
        out = StringIO()
        # Only what is queued: the periodic jobs would send alice a real reminder whenever
        # the test runs after 09:00 in London (a failure that came and went with the hour).
        call_command("worker", "--batch", "--no-schedule", stdout=out, stderr=out)
        return out.getvalue()

    def test_it_runs_in_the_worker_and_sends_once_when_queued_twice(self) -> None:
        self.assertIsInstance(send_due_reminders.get_backend(), DatabaseBackend)
        first = send_due_reminders.enqueue(MORNING.isoformat())
        second = send_due_reminders.enqueue(MORNING.isoformat())
        self.assertFalse(Notification.objects.exists())  # queued, not run

        self.run_worker()

        rows = list(DBTaskResult.objects.order_by("enqueued_at"))
        self.assertEqual({str(row.id) for row in rows}, {str(first.id), str(second.id)})
        for row in rows:
            self.assertEqual(row.status, TaskResultStatus.SUCCESSFUL)
            self.assertEqual(row.task_path, "mindhaven.mood.tasks.send_due_reminders")
        self.assertEqual(sorted(row.return_value["sent"] for row in rows), [0, 1])
        self.assertEqual(Notification.objects.filter(kind=REMINDER_KIND).count(), 1)
        self.assertEqual(ReminderDelivery.objects.count(), 1)

    def test_it_queues_from_the_command(self) -> None:
        out = StringIO()
        call_command("send-reminders", "--enqueue", stdout=out)
        self.assertIn("queued", out.getvalue())
        row = DBTaskResult.objects.get()
        self.assertEqual(row.status, TaskResultStatus.READY)
        self.run_worker()
        row.refresh_from_db()
        self.assertEqual(row.status, TaskResultStatus.SUCCESSFUL)
