from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.tasks import apply_retention
from mindhaven.core.audit import record_access
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase, make_user

LOGIN = "/accounts/login/"


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


@override_settings(RETENTION_DAYS=365)
class RetentionTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Everyone was here yesterday, except those a test sends away.
        User.objects.update(last_login=days_ago(1), date_joined=days_ago(400))

    def away(self, user: User, days: float, *, warned_days_ago: float | None = None) -> None:
        User.objects.filter(pk=user.pk).update(
            last_login=days_ago(days),
            retention_warned_at=None if warned_days_ago is None else days_ago(warned_days_ago),
        )

    def test_it_warns_once_before_deleting(self) -> None:
        self.away(self.alice, 352)  # 365 - 14 = 351 days is the warning point
        self.away(self.charlie, 300)
        self.assertEqual(apply_retention.call(), {"warned": 1, "erased": 0, "kept": 0})
        (email,) = mail.outbox
        self.assertEqual(email.to, ["alice@example.org"])
        self.assertIn("will be deleted", email.subject)
        self.assertIn("/accounts/login/", email.body)
        self.assertIn("/accounts/export/", email.body)
        self.alice.refresh_from_db()
        self.assertIsNotNone(self.alice.retention_warned_at)
        # Running again sends nothing more.
        self.assertEqual(apply_retention.call()["warned"], 0)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_writes_the_warning_in_the_persons_language(self) -> None:
        self.away(self.carol, 352)
        apply_retention.call()
        (email,) = mail.outbox
        self.assertIn("Hola", email.body)

    def test_it_counts_from_joining_when_someone_never_signed_in(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(last_login=None, date_joined=days_ago(360))
        User.objects.filter(pk=self.charlie.pk).update(last_login=None, date_joined=days_ago(10))
        apply_retention.call()
        self.assertEqual([m.to for m in mail.outbox], [["alice@example.org"]])

    def test_it_deletes_after_the_grace_period(self) -> None:
        record_access(actor=self.bob, subject=self.alice, category="mood", action="view")
        self.away(self.alice, 366, warned_days_ago=8)
        self.away(self.charlie, 366, warned_days_ago=6)  # warned too recently
        self.assertEqual(apply_retention.call(), {"warned": 0, "erased": 1, "kept": 0})
        self.assertFalse(User.objects.filter(pk=self.alice.pk).exists())
        self.assertTrue(User.objects.filter(pk=self.charlie.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(subject_code=self.alice.code).exists())

    def test_it_never_deletes_without_a_warning(self) -> None:
        self.away(self.alice, 500)
        self.assertEqual(apply_retention.call(), {"warned": 1, "erased": 0, "kept": 0})
        self.assertTrue(User.objects.filter(pk=self.alice.pk).exists())

    def test_it_keeps_the_last_admin(self) -> None:
        root = make_user("root", User.Role.ADMIN, is_demo=True)
        self.away(root, 400, warned_days_ago=30)
        with self.assertLogs("mindhaven.accounts", "WARNING"):
            self.assertEqual(apply_retention.call()["kept"], 1)
        self.assertTrue(User.objects.filter(pk=root.pk).exists())

    def test_signing_in_clears_the_warning(self) -> None:
        self.away(self.alice, 360, warned_days_ago=2)
        r = self.client.post(LOGIN, {"login": "alice", "password": self.password})
        self.assertEqual(r.status_code, 302)
        self.alice.refresh_from_db()
        self.assertIsNone(self.alice.retention_warned_at)
        self.assertEqual(apply_retention.call(), {"warned": 0, "erased": 0, "kept": 0})

    @override_settings(RETENTION_DAYS=0)
    def test_it_does_nothing_when_off(self) -> None:
        self.away(self.alice, 5000, warned_days_ago=100)
        self.assertEqual(apply_retention.call(), {"warned": 0, "erased": 0, "kept": 0})
        self.assertEqual(mail.outbox, [])
        self.assertTrue(User.objects.filter(pk=self.alice.pk).exists())

    def test_the_command_runs_it(self) -> None:
        self.away(self.alice, 352)
        out = StringIO()
        call_command("apply-retention", stdout=out)
        self.assertIn("1 warned, 0 deleted", out.getvalue())
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(RETENTION_DAYS=0)
    def test_the_command_says_when_it_is_off(self) -> None:
        out = StringIO()
        call_command("apply-retention", stdout=out)
        self.assertIn("retention is off", out.getvalue())
