from datetime import UTC, datetime, timedelta
from io import StringIO

from django.core.management import call_command, get_commands

from mindhaven.core.models import ScheduledJob
from mindhaven.core.schedule import Job, claim, registered_jobs, run_due
from mindhaven.core.testing import BaseTestCase

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
EVERY_FIVE = Job("send-reminders", every=timedelta(minutes=5))


class ScheduleTestCase(BaseTestCase):
    def test_it_schedules_the_jobs_that_were_cron_only(self) -> None:
        names = {job.command for job in registered_jobs()}
        self.assertLessEqual({"send-reminders", "escalate-alerts", "apply-retention"}, names)

    def test_it_names_only_commands_that_exist(self) -> None:
        commands = get_commands()
        for job in registered_jobs():
            with self.subTest(job=job.command):
                self.assertIn(job.command, commands)

    def test_it_claims_a_due_job_once(self) -> None:
        self.assertTrue(claim(EVERY_FIVE, now=NOON))
        # A second worker at the same moment finds it claimed.
        self.assertFalse(claim(EVERY_FIVE, now=NOON))
        self.assertFalse(claim(EVERY_FIVE, now=NOON + timedelta(minutes=4)))
        self.assertTrue(claim(EVERY_FIVE, now=NOON + timedelta(minutes=5)))

    def test_it_runs_due_jobs_and_skips_the_others(self) -> None:
        daily = Job("apply-retention", every=timedelta(days=1))
        calls: list[str] = []

        def runner(name: str, *args: str) -> None:
            calls.append(name)

        self.assertEqual(run_due([EVERY_FIVE, daily], now=NOON, runner=runner), calls)
        self.assertEqual(calls, ["send-reminders", "apply-retention"])
        later = NOON + timedelta(minutes=10)
        self.assertEqual(run_due([EVERY_FIVE, daily], now=later, runner=runner), ["send-reminders"])

    def test_it_records_a_failure_and_goes_on(self) -> None:
        other = Job("escalate-alerts", every=timedelta(minutes=1))
        calls: list[str] = []

        def runner(name: str, *args: str) -> None:
            calls.append(name)
            if name == "send-reminders":
                raise RuntimeError("mail server down")

        with self.assertLogs("mindhaven.schedule", "ERROR"):
            ran = run_due([EVERY_FIVE, other], now=NOON, runner=runner)
        self.assertEqual(ran, ["send-reminders", "escalate-alerts"])
        failed = ScheduledJob.objects.get(name="send-reminders")
        self.assertIn("mail server down", failed.last_error)
        self.assertIsNotNone(failed.last_finished_at)
        self.assertEqual(ScheduledJob.objects.get(name="escalate-alerts").last_error, "")

    def test_it_refuses_a_job_more_often_than_once_a_minute(self) -> None:
        with self.assertRaisesMessage(ValueError, "at most once a minute"):
            Job("send-reminders", every=timedelta(seconds=10))

    def test_it_runs_the_real_commands_from_the_worker_in_batch_mode(self) -> None:
        out = StringIO()
        with self.assertLogs("mindhaven.schedule", "DEBUG") as logs:
            call_command("worker", "--batch", stdout=out)
        self.assertIn("escalate-alerts", out.getvalue())
        # What the jobs print goes to the debug log, not the worker's console.
        self.assertIn("safety alerts escalated", "\n".join(logs.output))
        self.assertNotIn("safety alerts escalated", out.getvalue())
        self.assertIsNotNone(ScheduledJob.objects.get(name="escalate-alerts").last_finished_at)
        self.assertEqual(ScheduledJob.objects.get(name="escalate-alerts").last_error, "")
