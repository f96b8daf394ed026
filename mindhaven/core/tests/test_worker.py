from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from mindhaven.accounts.models import AccessToken
from mindhaven.accounts.services import issue_token
from mindhaven.accounts.tasks import purge_expired_tokens
from mindhaven.core.testing import make_user

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# The worker commits and claims rows in transactions of its own, so the tasks it
# runs must be committed first: TransactionTestCase, not TestCase.
# django-tasks rebuilds its backends when TASKS changes (a setting_changed receiver).
@override_settings(TASKS=DATABASE_TASKS)
class WorkerTestCase(TransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice = make_user("alice")

    def token(self, name: str, *, expired_days_ago: int | None = None) -> AccessToken:
        token, _raw = issue_token(user=self.alice, name=name)
        if expired_days_ago is not None:
            token.expires_at = timezone.now() - timedelta(days=expired_days_ago)
            token.save(update_fields=["expires_at"])
        return token

    def run_worker(self) -> str:
        out = StringIO()
        # Only what is queued (the periodic jobs have tests of their own).
        call_command("worker", "--batch", "--no-schedule", stdout=out, stderr=out)
        return out.getvalue()

    def test_it_uses_the_database_backend(self) -> None:
        self.assertIsInstance(task_backends["default"], DatabaseBackend)
        self.assertIsInstance(purge_expired_tokens.get_backend(), DatabaseBackend)

    def test_it_queues_a_task_and_runs_it_in_the_worker(self) -> None:
        old = self.token("Old laptop", expired_days_ago=31)
        recent = self.token("Last month's phone", expired_days_ago=29)
        active = self.token("Research export")

        result = purge_expired_tokens.enqueue()
        row = DBTaskResult.objects.get(id=result.id)
        self.assertEqual(row.status, TaskResultStatus.READY)
        self.assertEqual(row.task_path, "mindhaven.accounts.tasks.purge_expired_tokens")
        # Queued, not run: nothing is deleted until a worker picks it up.
        self.assertEqual(AccessToken.objects.count(), 3)

        self.run_worker()

        row.refresh_from_db()
        self.assertEqual(row.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(row.return_value, 1)
        self.assertIsNotNone(row.finished_at)
        result.refresh()
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(result.return_value, 1)
        remaining = set(AccessToken.objects.values_list("pk", flat=True))
        self.assertEqual(remaining, {recent.pk, active.pk})
        self.assertNotIn(old.pk, remaining)

    def test_it_keeps_revoked_tokens_until_they_have_been_expired_a_month(self) -> None:
        revoked = self.token("Lost phone")
        revoked.revoked_at = timezone.now() - timedelta(days=60)
        revoked.save(update_fields=["revoked_at"])
        purge_expired_tokens.enqueue()
        self.run_worker()
        self.assertTrue(AccessToken.objects.filter(pk=revoked.pk).exists())
        self.assertEqual(DBTaskResult.objects.get().return_value, 0)

    def test_it_exits_when_nothing_is_queued(self) -> None:
        self.run_worker()
        self.assertFalse(DBTaskResult.objects.exists())

    def test_it_runs_each_queued_task_once(self) -> None:
        self.token("Old laptop", expired_days_ago=40)
        first = purge_expired_tokens.enqueue()
        second = purge_expired_tokens.enqueue()
        self.run_worker()
        self.run_worker()
        rows = {row.id: row for row in DBTaskResult.objects.all()}
        self.assertEqual({str(k) for k in rows}, {str(first.id), str(second.id)})
        self.assertEqual(sorted(row.return_value for row in rows.values()), [0, 1])
        for row in rows.values():
            self.assertEqual(row.status, TaskResultStatus.SUCCESSFUL)
            self.assertEqual(len(row.worker_ids), 1)
