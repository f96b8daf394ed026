import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.template import Context
from django.test.utils import CaptureQueriesContext

from mindhaven.accounts.models import ConsentGrant
from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.care.models import ClinicianProfile, Message, Thread
from mindhaven.care.services.messaging import send_message
from mindhaven.care.templatetags.care_messages import unread_message_count
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.core.tests.test_i18n import ensure_messages_compiled
from mindhaven.core.tests.test_i18n_accounts import USTED, visible_text

URGENT = "I want to kill myself tonight"


class MessagingPagesTestCase(BaseTestCase):
    grant: ConsentGrant
    thread: Thread
    url: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agree_to_privacy(user=cls.alice)
        cls.grant = grant_consent(member=cls.alice, clinician=cls.bob, categories=["messages"])
        cls.thread = Thread.objects.create(member=cls.alice, clinician=cls.bob)
        cls.url = f"/care/messages/{cls.thread.code}/"

    def send(self, author, body):
        message, _created = send_message(
            author=author,
            thread=Thread.objects.get(pk=self.thread.pk),
            body=body,
            code=uuid.uuid4(),
        )
        return message

    def post(self, body: str, code: uuid.UUID | str | None = None):
        return self.client.post(self.url, {"code": str(code or uuid.uuid4()), "body": body})

    def test_it_lists_alices_clinicians_with_unread_counts(self) -> None:
        self.send(self.bob, "first words")
        self.send(self.bob, "second words")
        self.client.force_login(self.alice)
        r = self.client.get("/care/messages/")
        self.assertContains(r, self.url)
        self.assertContains(r, "Bob")
        self.assertContains(r, "2 unread messages")
        self.assertNotContains(r, "words")  # no content in the list

    def test_it_counts_unread_messages_beside_messages_in_the_nav(self) -> None:
        badge = '<span class="nav-count" aria-hidden="true">2</span>'
        self.send(self.bob, "first words")
        self.send(self.bob, "second words")
        self.client.force_login(self.alice)
        home = self.client.get("/care/")
        self.assertContains(home, badge)
        self.assertContains(home, '<span class="visually-hidden">2 unread messages</span>')
        self.client.get(self.url)  # reading the thread marks them read
        self.assertNotContains(self.client.get("/care/"), 'class="nav-count"')
        # bob's count follows alice's consent: none once she stops sharing messages.
        self.send(self.alice, "a reply")
        self.client.force_login(self.bob)
        self.assertContains(
            self.client.get("/care/"), '<span class="nav-count" aria-hidden="true">1</span>'
        )
        revoke_consent(member=self.alice, grant=self.grant)
        self.assertNotContains(self.client.get("/care/"), 'class="nav-count"')

    def test_it_counts_a_clinicians_unread_messages_in_the_same_queries_for_any_number_of_clients(
        self,
    ) -> None:
        context = Context({"user": self.bob})
        self.send(self.alice, "a reply")
        with CaptureQueriesContext(connection) as one_client:
            self.assertEqual(unread_message_count(context), 1)
        for n in range(5):
            member = make_user(f"client{n}")
            agree_to_privacy(user=member)
            grant_consent(member=member, clinician=self.bob, categories=["messages"])
            thread = Thread.objects.create(member=member, clinician=self.bob)
            send_message(author=member, thread=thread, body=f"hello {n}", code=uuid.uuid4())
        with CaptureQueriesContext(connection) as six_clients:
            self.assertEqual(unread_message_count(context), 6)
        self.assertEqual(len(six_clients), len(one_client))

    def test_it_lists_for_bob_only_clients_who_share_messages(self) -> None:
        agree_to_privacy(user=self.charlie)
        grant_consent(member=self.charlie, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.bob)
        r = self.client.get("/care/messages/")
        self.assertContains(r, self.url)
        self.assertNotContains(r, "Charlie")

    def test_it_shows_the_thread_with_the_office_hours_note_to_the_member(self) -> None:
        ClinicianProfile.objects.create(clinician=self.bob, office_hours_note="Weekdays 9 to 5")
        self.send(self.bob, "How was your week?")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "How was your week?")
        self.assertContains(r, "Weekdays 9 to 5")
        self.assertContains(r, "Mindhaven is not an emergency service")
        self.assertContains(r, 'data-ws="/ws/care/threads/')
        self.assertContains(r, "care/messaging/thread")

    def test_it_sends_without_javascript_and_is_idempotent(self) -> None:
        self.client.force_login(self.alice)
        code = uuid.uuid4()
        r = self.post("Hello Bob", code)
        self.assertRedirects(r, f"{self.url}?sent={code}")
        r = self.post("Hello Bob", code)  # a double submit
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Message.objects.get().body, "Hello Bob")
        self.assertContains(self.client.get(r["Location"]), "Hello Bob")

    def test_it_rejects_an_empty_message_and_stores_nothing(self) -> None:
        self.client.force_login(self.alice)
        r = self.post("   ")
        self.assertContains(r, "Write a message before sending.", status_code=400)
        self.assertContains(r, 'aria-invalid="true"', status_code=400)
        r = self.client.post(self.url, {"code": "not-a-uuid", "body": "hi"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "hi", status_code=400)  # what was written is kept
        self.assertFalse(Message.objects.exists())

    def test_it_shows_the_support_panel_after_an_urgent_message(self) -> None:
        self.client.force_login(self.alice)
        r = self.post(URGENT)
        self.assertEqual(r.status_code, 302)
        page = self.client.get(r["Location"])
        self.assertContains(page, "You do not have to go through this alone")
        self.assertContains(page, 'href="tel:999"')  # alice is in GB
        self.assertContains(page, URGENT)  # saved, not blocked
        self.assertContains(self.client.get(self.url), URGENT)
        self.assertNotContains(self.client.get(self.url), "You do not have to go through")

    def test_it_shows_no_panel_for_a_calm_message_or_someone_elses(self) -> None:
        theirs = self.send(self.bob, URGENT)
        self.client.force_login(self.alice)
        r = self.client.get(f"{self.url}?sent={theirs.code}")
        self.assertNotContains(r, "You do not have to go through this alone")
        r = self.post("a calm day")
        self.assertNotContains(self.client.get(r["Location"]), "You do not have to go through")

    def test_it_explains_how_to_share_messages_when_alice_does_not(self) -> None:
        self.send(self.alice, "sent while shared")
        revoke_consent(member=self.alice, grant=self.grant)
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "sent while shared")
        self.assertContains(r, "share Messages with them")
        self.assertContains(r, 'href="/accounts/sharing/"')
        self.assertNotContains(r, 'id="chat-form"')
        r = self.post("after revoking")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "nothing was sent", status_code=400)
        self.assertEqual(Message.objects.count(), 1)

    def test_it_hides_the_thread_from_charlie_carol_and_dave(self) -> None:
        agree_to_privacy(user=self.charlie)  # so that his write meets the access check
        self.send(self.alice, "marker-7f3a private")
        for outsider in (self.charlie, self.carol, self.dave):
            self.client.force_login(outsider)
            self.assertEqual(self.client.get(self.url).status_code, 404)
            self.assertEqual(self.post("hi").status_code, 404)
            self.assertNotContains(self.client.get("/care/messages/"), "marker-7f3a")
        self.assertEqual(Message.objects.count(), 1)

    def test_it_hides_the_thread_from_bob_once_alice_revokes(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        revoke_consent(member=self.alice, grant=self.grant)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.post("hi").status_code, 404)

    def test_it_records_bobs_reading_in_alices_access_log(self) -> None:
        self.client.force_login(self.bob)
        self.client.get(self.url)
        event = AuditEvent.objects.get()
        self.assertEqual((event.actor_code, event.subject_code), (self.bob.code, self.alice.code))
        self.assertEqual((event.category, event.object_code), ("messages", str(self.thread.code)))
        self.client.force_login(self.alice)
        self.client.get(self.url)
        self.assertEqual(AuditEvent.objects.count(), 1)  # her own reads are not events
        self.assertContains(self.client.get("/accounts/access-log/"), "bob")

    def test_it_marks_messages_read_when_the_recipient_opens_the_thread(self) -> None:
        message = self.send(self.alice, "hi Bob")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "Sent")
        self.client.force_login(self.bob)
        self.client.get(self.url)
        message.refresh_from_db()
        self.assertIsNotNone(message.read_at)
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="chat-receipt" data-receipt>Read</p>', html=False)

    def test_it_shows_times_in_the_viewers_zone_and_escapes_text(self) -> None:
        message = self.send(self.bob, "<script>alert(1)</script>")
        Message.objects.filter(pk=message.pk).update(
            created_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        )
        self.client.force_login(self.alice)  # Europe/London: 13:00 in summer
        r = self.client.get(self.url)
        self.assertContains(r, "1:00")
        # The zone is named, on the thread and on the list of threads.
        self.assertContains(r, "Times are shown in your time zone, Europe/London.")
        listed = self.client.get("/care/messages/")
        self.assertContains(listed, "Times are shown in your time zone, Europe/London.")
        self.assertContains(r, "&lt;script&gt;alert(1)&lt;/script&gt;")
        self.assertNotContains(r, "<script>alert(1)")

    def test_it_speaks_spanish_in_tu_form(self) -> None:
        ensure_messages_compiled()
        ClinicianProfile.objects.create(clinician=self.bob, office_hours_note="Lunes")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        self.alice.locale = "es"
        self.alice.save(update_fields=["locale"])
        self.client.force_login(self.alice)
        for path in ("/care/messages/", self.url):
            r = self.client.get(path)
            self.assertContains(r, '<html lang="es"')
            self.assertContains(r, "Mensajes")
            found = sorted({m.group(0) for m in USTED.finditer(visible_text(r))})
            self.assertEqual(found, [], path)
        self.assertContains(r, "Horario de atención:")

    def test_it_asks_alice_to_agree_to_the_privacy_summary_before_sending(self) -> None:
        type(self.alice).objects.filter(pk=self.alice.pk).update(privacy_version="old")
        self.client.force_login(self.alice)
        r = self.post("hi")
        self.assertTrue(r["Location"].startswith("/accounts/privacy/agree/"), r["Location"])
        self.assertEqual(self.client.get(self.url).status_code, 200)  # reading stays open
        self.assertFalse(Message.objects.exists())
