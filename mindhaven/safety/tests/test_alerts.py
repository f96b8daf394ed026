import uuid
from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, grant_consent
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.mood import services as mood_services
from mindhaven.notifications.models import Notification
from mindhaven.safety.models import SafetyAlert
from mindhaven.safety.tasks import escalate_unacknowledged_alerts

URGENT = "I am going to kill myself tonight, I have the pills ready"
ALERTS = "/safety/alerts/"
NOTIFY = "/safety/alerts/notify/"


class SafetyAlertTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)

    def share(self, *categories: str) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=list(categories))

    def check_in(self, note: str, member: User | None = None) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            mood_services.record_checkin(
                member=member or self.alice,
                client_id=uuid.uuid4(),
                recorded_at=timezone.now(),
                mood=1,
                note=note,
            )

    def test_it_alerts_bob_when_alice_consented(self) -> None:
        self.share("safety_alerts")
        self.check_in(URGENT)
        alert = SafetyAlert.objects.get()
        self.assertEqual((alert.member, alert.clinician), (self.alice, self.bob))
        self.assertEqual(
            (alert.source, alert.trigger, alert.level), ("mood", "automatic", "urgent")
        )
        notification = Notification.objects.get(user=self.bob)
        self.assertEqual(notification.kind, "safety_alert")
        self.assertEqual(notification.url, ALERTS)
        self.assertNotIn("kill", notification.title + notification.body)
        self.assertEqual(len(mail.outbox), 1)
        email = mail.outbox[0]
        self.assertEqual(email.to, ["bob@example.org"])
        self.assertIn("A client you support may need help. Open Mindhaven to see", email.body)
        self.assertNotIn("kill", f"{email.body} {email.subject}")
        self.assertNotIn("alice", f"{email.body} {email.subject}".lower())

    def test_it_does_not_alert_without_consent(self) -> None:
        self.share("mood", "safety_plan")
        self.check_in(URGENT)
        self.assertFalse(SafetyAlert.objects.exists())
        self.assertFalse(Notification.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_it_does_not_alert_for_calm_or_concerning_notes(self) -> None:
        self.share("safety_alerts")
        self.check_in("a quiet day at the allotment")
        self.check_in("I wish I was dead")
        self.assertFalse(SafetyAlert.objects.exists())

    def test_it_keeps_one_open_alert_per_clinician(self) -> None:
        self.share("safety_alerts")
        self.check_in(URGENT)
        self.check_in(URGENT)
        self.assertEqual(SafetyAlert.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_alerts_when_an_edit_makes_a_note_urgent(self) -> None:
        self.share("safety_alerts")
        entry, _ = mood_services.record_checkin(
            member=self.alice, client_id=uuid.uuid4(), recorded_at=timezone.now(), mood=2
        )
        self.assertFalse(SafetyAlert.objects.exists())
        mood_services.update_entry(entry=entry, note=URGENT)
        self.assertEqual(SafetyAlert.objects.count(), 1)

    def test_it_never_alerts_dave_or_charlie(self) -> None:
        self.share("safety_alerts")
        self.check_in(URGENT)
        self.client.force_login(self.alice)
        self.client.post(NOTIFY)
        self.assertEqual(
            set(SafetyAlert.objects.values_list("clinician__username", flat=True)), {"bob"}
        )
        self.assertFalse(Notification.objects.filter(user__in=[self.dave, self.charlie]).exists())

    def test_it_lets_alice_tell_bob_herself_without_consent(self) -> None:
        self.share("mood")
        self.check_in(URGENT)
        self.assertFalse(SafetyAlert.objects.exists())
        self.client.force_login(self.alice)
        r = self.client.get("/safety/support/")
        self.assertContains(r, "Let my clinician know")
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(NOTIFY, follow=True)
        self.assertContains(r, "We let Bob know that you may need help.")
        self.assertContains(r, "Bob has been told")
        self.assertNotContains(r, "Let my clinician know</button>")
        alert = SafetyAlert.objects.get()
        self.assertEqual(
            (alert.clinician, alert.trigger, alert.source), (self.bob, "member", "panel")
        )
        self.assertEqual([m.to for m in mail.outbox], [["bob@example.org"]])

    def test_it_tells_charlie_kindly_that_no_one_was_told(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.post(NOTIFY, follow=True)
        self.assertContains(r, "You have no clinician linked on Mindhaven, so no one was told.")
        self.assertFalse(SafetyAlert.objects.exists())

    def test_it_refuses_staff_and_get_on_the_notify_button(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(NOTIFY).status_code, 403)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(NOTIFY).status_code, 405)
        self.assertFalse(SafetyAlert.objects.exists())

    def test_it_lists_bobs_alerts_and_audits_each_view(self) -> None:
        self.share("safety_alerts")
        self.check_in(URGENT)
        alert = SafetyAlert.objects.get()
        self.client.force_login(self.bob)
        r = self.client.get(ALERTS)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Alice")
        self.assertNotContains(r, "pills")
        event = AuditEvent.objects.get()
        self.assertEqual(
            (event.actor_username, event.category, event.action, event.object_code),
            ("bob", "safety_alerts", "view", str(alert.code)),
        )

    def test_it_acknowledges_and_audits(self) -> None:
        self.share("safety_alerts")
        self.check_in(URGENT)
        alert = SafetyAlert.objects.get()
        self.client.force_login(self.bob)
        r = self.client.post(f"/safety/alerts/{alert.code}/acknowledge/")
        self.assertRedirects(r, ALERTS)
        alert.refresh_from_db()
        self.assertIsNotNone(alert.acknowledged_at)
        self.assertEqual(alert.acknowledged_by, self.bob)
        self.assertTrue(
            AuditEvent.objects.filter(
                actor_username="bob", category="safety_alerts", action="acknowledge"
            ).exists()
        )

    def test_it_hides_alerts_from_everyone_else(self) -> None:
        self.share("safety_alerts")
        self.check_in(URGENT)
        alert = SafetyAlert.objects.get()
        url = f"/safety/alerts/{alert.code}/acknowledge/"
        self.client.force_login(self.dave)
        self.assertNotContains(self.client.get(ALERTS), "Alice")
        for user in (self.dave, self.charlie, self.alice, self.carol):
            self.client.force_login(user)
            self.assertEqual(self.client.post(url).status_code, 404, user)
        for user in (self.charlie, self.alice, self.carol):
            self.client.force_login(user)
            self.assertEqual(self.client.get(ALERTS).status_code, 403, user)
        alert.refresh_from_db()
        self.assertIsNone(alert.acknowledged_at)
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_answers_404_for_an_unknown_alert(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(f"/safety/alerts/{uuid.uuid4()}/acknowledge/")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(
            self.client.post("/safety/alerts/not-a-code/acknowledge/").status_code, 404
        )


@override_settings(SAFETY_ESCALATION_MINUTES=30, SAFETY_CONTACT_EMAIL="safety@example.org")
class EscalationTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        grant_consent(member=self.alice, clinician=self.bob, categories=["safety_alerts"])

    def alert(self, minutes_ago: int) -> SafetyAlert:
        return SafetyAlert.objects.create(
            member=self.alice,
            clinician=self.bob,
            source="mood",
            trigger="automatic",
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
        )

    def test_it_escalates_an_ignored_alert_once(self) -> None:
        alert = self.alert(31)
        self.assertEqual(escalate_unacknowledged_alerts.call(), 1)
        self.assertEqual(escalate_unacknowledged_alerts.call(), 0)
        self.assertEqual(len(mail.outbox), 1)
        email = mail.outbox[0]
        self.assertEqual(email.to, ["safety@example.org"])
        self.assertIn(str(alert.code), email.body)
        self.assertIn("bob@example.org", email.body)
        alert.refresh_from_db()
        self.assertIsNotNone(alert.escalated_at)

    def test_it_waits_for_the_configured_time(self) -> None:
        self.alert(29)
        self.assertEqual(escalate_unacknowledged_alerts.call(), 0)
        with override_settings(SAFETY_ESCALATION_MINUTES=10):
            self.assertEqual(escalate_unacknowledged_alerts.call(), 1)

    def test_it_leaves_acknowledged_alerts_alone(self) -> None:
        alert = self.alert(60)
        alert.acknowledged_at = timezone.now()
        alert.save()
        self.assertEqual(escalate_unacknowledged_alerts.call(), 0)
        self.assertEqual(mail.outbox, [])

    @override_settings(SAFETY_CONTACT_EMAIL="")
    def test_it_escalates_to_administrators_without_a_contact(self) -> None:
        make_user("root", User.Role.ADMIN)
        self.alert(45)
        self.assertEqual(escalate_unacknowledged_alerts.call(), 1)
        self.assertEqual(mail.outbox[0].to, ["root@example.org"])

    @override_settings(SAFETY_CONTACT_EMAIL="")
    def test_it_keeps_alerts_for_later_when_no_one_can_be_told(self) -> None:
        alert = self.alert(45)
        with self.assertLogs("mindhaven.safety", "ERROR"):
            self.assertEqual(escalate_unacknowledged_alerts.call(), 0)
        alert.refresh_from_db()
        self.assertIsNone(alert.escalated_at)

    def test_it_runs_from_the_command(self) -> None:
        self.alert(90)
        out = StringIO()
        call_command("escalate-alerts", stdout=out)
        self.assertIn("1 safety alerts escalated", out.getvalue())
        self.assertEqual(len(mail.outbox), 1)
