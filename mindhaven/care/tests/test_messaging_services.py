import csv
import io
import uuid
import zipfile
from unittest import mock

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from mindhaven.accounts.models import ConsentGrant
from mindhaven.accounts.services import (
    agree_to_privacy,
    end_link,
    erase_account,
    grant_consent,
    revoke_consent,
)
from mindhaven.care.models import MESSAGE_MAX_LENGTH, Message, Thread
from mindhaven.care.services.messaging import mark_thread_read, open_threads, send_message
from mindhaven.core.export import build_export
from mindhaven.core.testing import BaseTestCase
from mindhaven.notifications.models import Notification
from mindhaven.safety import assess_text
from mindhaven.safety.models import SafetyAlert

URGENT = "I want to kill myself tonight"


class MessagingServicesTestCase(BaseTestCase):
    grant: ConsentGrant
    thread: Thread

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agree_to_privacy(user=cls.alice)
        cls.grant = grant_consent(member=cls.alice, clinician=cls.bob, categories=["messages"])
        cls.thread = Thread.objects.create(member=cls.alice, clinician=cls.bob)

    def send(self, author=None, body="Hello Bob", code=None, thread=None):
        return send_message(
            author=author or self.alice,
            thread=thread or self.thread,
            body=body,
            code=code or uuid.uuid4(),
        )

    def test_it_stores_a_message_encrypted_at_rest(self) -> None:
        marker = f"marker-{uuid.uuid4().hex}"
        message, created = self.send(body=f"Today {marker} was hard")
        self.assertTrue(created)
        message.refresh_from_db()
        self.assertEqual(message.body, f"Today {marker} was hard")
        with connection.cursor() as cursor:
            cursor.execute("SELECT body FROM care_message WHERE id = %s", [message.pk])
            (stored,) = cursor.fetchone()
        self.assertTrue(stored.startswith("fernet:"))
        self.assertNotIn(marker, stored)

    def test_it_is_idempotent_on_the_code(self) -> None:
        code = uuid.uuid4()
        first, created = self.send(code=code, body="once")
        again, created_again = self.send(code=code, body="changed on retry")
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Message.objects.get().body, "once")

    def test_it_refuses_a_code_someone_else_used(self) -> None:
        code = uuid.uuid4()
        self.send(code=code)
        with self.assertRaises(ValidationError) as caught:
            self.send(author=self.bob, code=code)
        self.assertIn("code", caught.exception.message_dict)
        self.assertEqual(Message.objects.count(), 1)

    def test_it_names_the_body_when_it_is_empty_or_too_long(self) -> None:
        for body in ("", "   \n ", "x" * (MESSAGE_MAX_LENGTH + 1)):
            with self.assertRaises(ValidationError) as caught:
                self.send(body=body)
            self.assertEqual(list(caught.exception.message_dict), ["body"])
        self.assertFalse(Message.objects.exists())
        self.assertFalse(Notification.objects.exists())

    def test_it_refuses_without_messages_consent_and_stores_nothing(self) -> None:
        revoke_consent(member=self.alice, grant=self.grant)
        for author in (self.alice, self.bob):
            with self.assertRaises(PermissionDenied):
                self.send(author=author)
        self.assertFalse(Message.objects.exists())

    def test_it_refuses_after_the_link_ends(self) -> None:
        end_link(member=self.alice, link=self.grant.link)
        with self.assertRaises(PermissionDenied):
            self.send()
        self.assertFalse(Message.objects.exists())

    def test_it_refuses_charlie_and_dave(self) -> None:
        for outsider in (self.charlie, self.dave):
            with self.assertRaises(PermissionDenied):
                self.send(author=outsider)
            with self.assertRaises(PermissionDenied):
                mark_thread_read(reader=outsider, thread=self.thread)
        self.assertFalse(Message.objects.exists())

    def test_it_assesses_what_a_member_writes_once(self) -> None:
        with mock.patch("mindhaven.care.services.messaging.assess_text", wraps=assess_text) as spy:
            message, _ = self.send(body="I wish I was dead")
        spy.assert_called_once_with("I wish I was dead", locale=self.alice.locale)
        self.assertEqual(message.safety_level, "concern")

    def test_it_does_not_assess_a_resent_message_again(self) -> None:
        code = uuid.uuid4()
        self.send(code=code, body=URGENT)
        with mock.patch("mindhaven.care.services.messaging.assess_text", wraps=assess_text) as spy:
            self.send(code=code, body=URGENT)
        spy.assert_not_called()

    def test_it_does_not_assess_what_a_clinician_writes(self) -> None:
        with mock.patch("mindhaven.care.services.messaging.assess_text", wraps=assess_text) as spy:
            message, _ = self.send(author=self.bob, body="If you want to kill yourself, call 999")
        spy.assert_not_called()
        self.assertEqual(message.safety_level, "none")

    def test_it_stores_urgent_text_and_alerts_a_consenting_clinician(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["safety_alerts"])
        message, created = self.send(body=URGENT)
        self.assertTrue(created)
        message.refresh_from_db()
        self.assertEqual((message.body, message.safety_level), (URGENT, "urgent"))
        alert = SafetyAlert.objects.get()
        self.assertEqual(
            (alert.member, alert.clinician, alert.source), (self.alice, self.bob, "messages")
        )

    def test_it_raises_no_alert_without_safety_alerts_consent(self) -> None:
        message, _ = self.send(body=URGENT)
        self.assertEqual(message.safety_level, "urgent")
        self.assertFalse(SafetyAlert.objects.exists())

    def test_it_tells_the_recipient_without_the_content(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.send(body="my secret worry about work")
        notification = Notification.objects.get(user=self.bob)
        self.assertEqual(notification.title, "You have a new message")
        self.assertNotIn("worry", notification.title + notification.body)
        self.assertEqual(notification.url, f"/care/messages/{self.thread.code}/")
        (email,) = mail.outbox
        self.assertEqual(email.to, [self.bob.email])
        self.assertIn("You have a new message on Mindhaven", email.subject)
        self.assertIn(f"/care/messages/{self.thread.code}/", email.body)
        self.assertNotIn("worry", f"{email.subject} {email.body}")
        self.assertNotIn("Alice", f"{email.subject} {email.body}")

    def test_it_tells_the_recipient_once_per_run_of_unread_messages(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.send(body="one")
            self.send(body="two")
        self.assertEqual(Notification.objects.filter(user=self.bob).count(), 1)
        self.assertEqual(len(mail.outbox), 1)
        mark_thread_read(reader=self.bob, thread=self.thread)
        with self.captureOnCommitCallbacks(execute=True):
            self.send(body="three")
        self.assertEqual(Notification.objects.filter(user=self.bob).count(), 2)
        self.assertEqual(len(mail.outbox), 2)

    def test_it_writes_to_the_member_in_their_language(self) -> None:
        self.alice.locale = "es"
        self.alice.save(update_fields=["locale"])
        with self.captureOnCommitCallbacks(execute=True):
            self.send(author=self.bob, body="See you Tuesday", thread=Thread.objects.get())
        self.assertEqual(Notification.objects.get(user=self.alice).title, "Tienes un mensaje nuevo")
        self.assertIn("Tienes un mensaje nuevo en Mindhaven", mail.outbox[0].subject)

    def test_it_marks_the_other_persons_messages_read(self) -> None:
        mine, _ = self.send(author=self.bob, body="for alice")
        hers, _ = self.send(body="for bob")
        self.assertEqual(mark_thread_read(reader=self.alice, thread=self.thread), 1)
        mine.refresh_from_db()
        hers.refresh_from_db()
        self.assertIsNotNone(mine.read_at)
        self.assertIsNone(hers.read_at)
        self.assertEqual(mark_thread_read(reader=self.alice, thread=self.thread), 0)

    def test_it_updates_the_threads_last_message_time(self) -> None:
        message, _ = self.send()
        self.thread.refresh_from_db()
        self.assertEqual(self.thread.last_message_at, message.created_at)

    def test_it_opens_one_thread_per_linked_clinician_for_a_member(self) -> None:
        grant_consent(member=self.alice, clinician=self.dave, categories=["mood"])
        threads = open_threads(user=self.alice)
        self.assertEqual({t.clinician for t in threads}, {self.bob, self.dave})
        self.assertEqual(open_threads(user=self.alice), threads)  # made once
        self.assertEqual(open_threads(user=self.charlie), [])

    def test_it_lists_for_a_clinician_only_clients_who_share_messages(self) -> None:
        self.assertEqual(open_threads(user=self.bob), [self.thread])
        agree_to_privacy(user=self.charlie)
        grant_consent(member=self.charlie, clinician=self.bob, categories=["mood"])
        self.assertEqual(open_threads(user=self.bob), [self.thread])
        revoke_consent(member=self.alice, grant=self.grant)
        self.assertEqual(open_threads(user=self.bob), [])
        self.assertEqual(open_threads(user=self.dave), [])
        self.assertEqual(open_threads(user=self.carol), [])

    def test_it_exports_the_members_thread_and_only_the_clinicians_own_messages(self) -> None:
        self.send(body="from alice")
        self.send(author=self.bob, body="from bob")
        alice_rows = self.export_rows(self.alice)
        self.assertEqual([r["body"] for r in alice_rows], ["from alice", "from bob"])
        self.assertEqual([r["author"] for r in alice_rows], ["Alice", "Bob"])
        self.assertEqual([r["body"] for r in self.export_rows(self.bob)], ["from bob"])
        self.assertEqual(self.export_rows(self.charlie), [])

    def export_rows(self, user):
        with zipfile.ZipFile(io.BytesIO(build_export(user))) as archive:
            content = archive.read("messages/messages.csv").decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(content)))

    def test_it_erases_the_thread_with_either_account(self) -> None:
        self.send()
        erase_account(user=self.alice)
        self.assertFalse(Thread.objects.exists())
        self.assertFalse(Message.objects.exists())
        self.assertFalse(ConsentGrant.objects.filter(revoked_at__isnull=True).exists())
