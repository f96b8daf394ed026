import uuid
from typing import Any

from mindhaven.accounts.models import ConsentGrant
from mindhaven.accounts.services import agree_to_privacy, grant_consent, issue_token, revoke_consent
from mindhaven.care.models import MESSAGE_MAX_LENGTH, Message, Thread
from mindhaven.care.services.messaging import send_message
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase

URGENT = "I want to kill myself tonight"


class MessagingApiTestCase(BaseTestCase):
    grant: ConsentGrant
    thread: Thread
    base: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agree_to_privacy(user=cls.alice)
        cls.grant = grant_consent(member=cls.alice, clinician=cls.bob, categories=["messages"])
        cls.thread = Thread.objects.create(member=cls.alice, clinician=cls.bob)
        cls.base = f"/api/v1/care/threads/{cls.thread.code}"

    def post(self, body: Any, code: str | None = None, **extra: Any) -> Any:
        payload = {"code": code or str(uuid.uuid4()), "body": body, **extra}
        return self.client.post(f"{self.base}/messages", payload, content_type="application/json")

    def test_it_sends_a_message_and_answers_201_then_200_on_retry(self) -> None:
        self.client.force_login(self.alice)
        code = str(uuid.uuid4())
        r = self.post("Hello Bob", code)
        self.assertEqual(r.status_code, 201, r.content)
        body = r.json()
        self.assertEqual(body["message"]["code"], code)
        self.assertEqual(body["message"]["body"], "Hello Bob")
        self.assertEqual(body["message"]["author"], str(self.alice.code))
        self.assertEqual(body["safety"]["level"], "none")
        self.assertEqual(body["safety"]["resources"], [])
        r = self.post("Hello Bob", code)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["message"]["code"], code)
        self.assertEqual(Message.objects.count(), 1)

    def test_it_returns_crisis_resources_with_an_urgent_message(self) -> None:
        self.client.force_login(self.alice)
        r = self.post(URGENT)
        self.assertEqual(r.status_code, 201)
        safety = r.json()["safety"]
        self.assertEqual(safety["level"], "urgent")
        self.assertEqual(safety["support_url"], "/safety/support/")
        self.assertEqual(safety["emergency_numbers"], ["999", "112"])  # alice is in GB
        self.assertTrue(safety["resources"])
        self.assertEqual(Message.objects.get().body, URGENT)

    def test_it_gives_no_assessment_for_what_bob_writes(self) -> None:
        self.client.force_login(self.bob)
        r = self.post("How are you?")
        self.assertEqual(r.status_code, 201)
        self.assertIsNone(r.json()["safety"])

    def test_it_names_the_body_when_it_is_empty_or_too_long(self) -> None:
        self.client.force_login(self.alice)
        for body in ("", "x" * (MESSAGE_MAX_LENGTH + 1), "  \n  ", None):
            r = self.post(body)
            self.assertEqual(r.status_code, 422, body)
            self.assertEqual([e["field"] for e in r.json()["detail"]], ["body"], r.content)
        r = self.post("hi", code="not-a-uuid")
        self.assertEqual([e["field"] for e in r.json()["detail"]], ["code"])
        r = self.post("hi", extra_field=1)
        self.assertEqual(r.status_code, 422)
        self.assertFalse(Message.objects.exists())

    def test_it_refuses_another_persons_code(self) -> None:
        code = uuid.uuid4()
        send_message(author=self.bob, thread=self.thread, body="bob's", code=code)
        self.client.force_login(self.alice)
        r = self.post("alice's", str(code))
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "code")
        self.assertEqual(Message.objects.get().body, "bob's")

    def test_it_answers_403_with_a_reason_when_alice_does_not_share_messages(self) -> None:
        revoke_consent(member=self.alice, grant=self.grant)
        self.client.force_login(self.alice)
        r = self.post("hi")
        self.assertEqual(r.status_code, 403)
        self.assertIn("nothing was sent", r.json()["detail"])
        self.assertFalse(Message.objects.exists())
        self.client.force_login(self.bob)
        self.assertEqual(self.post("hi").status_code, 404)

    def test_it_lists_threads_with_unread_counts(self) -> None:
        send_message(author=self.bob, thread=self.thread, body="one", code=uuid.uuid4())
        self.client.force_login(self.alice)
        (thread,) = self.client.get("/api/v1/care/threads").json()
        self.assertEqual(thread["code"], str(self.thread.code))
        self.assertEqual(thread["clinician"]["code"], str(self.bob.code))
        self.assertEqual((thread["open"], thread["unread"]), (True, 1))
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get("/api/v1/care/threads").json(), [])

    def test_it_pages_messages_after_a_code(self) -> None:
        codes = []
        for n in range(3):
            message, _ = send_message(
                author=self.alice, thread=self.thread, body=f"m{n}", code=uuid.uuid4()
            )
            codes.append(str(message.code))
        self.client.force_login(self.alice)
        r = self.client.get(f"{self.base}/messages", {"limit": 2})
        self.assertEqual([m["body"] for m in r.json()["items"]], ["m0", "m1"])
        self.assertTrue(r.json()["more"])
        r = self.client.get(f"{self.base}/messages", {"after": codes[1]})
        self.assertEqual([m["code"] for m in r.json()["items"]], codes[2:])
        self.assertFalse(r.json()["more"])
        r = self.client.get(f"{self.base}/messages", {"after": str(uuid.uuid4())})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "after")

    def test_it_marks_a_thread_read(self) -> None:
        message, _ = send_message(author=self.bob, thread=self.thread, body="hi", code=uuid.uuid4())
        self.client.force_login(self.alice)
        r = self.client.post(f"{self.base}/read")
        self.assertEqual(r.json(), {"marked": 1})
        message.refresh_from_db()
        self.assertIsNotNone(message.read_at)

    def test_it_audits_bobs_reads_through_a_token(self) -> None:
        token = issue_token(user=self.bob, name="test")[1]
        headers = {"Authorization": f"Bearer {token}"}
        r = self.client.get(f"{self.base}/messages", headers=headers)
        self.assertEqual(r.status_code, 200)
        event = AuditEvent.objects.get()
        self.assertEqual((event.actor_code, event.category), (self.bob.code, "messages"))

    def test_it_hides_the_thread_from_charlie_carol_and_dave(self) -> None:
        agree_to_privacy(user=self.charlie)  # so that his write meets the access check
        send_message(author=self.alice, thread=self.thread, body="secret", code=uuid.uuid4())
        for outsider in (self.charlie, self.carol, self.dave):
            self.client.force_login(outsider)
            self.assertEqual(self.client.get(f"{self.base}/messages").status_code, 404)
            self.assertEqual(self.post("hi").status_code, 404)
            self.assertEqual(self.client.post(f"{self.base}/read").status_code, 404)
        self.assertEqual(Message.objects.count(), 1)
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_is_described_in_the_openapi_spec(self) -> None:
        paths = self.client.get("/api/v1/openapi.json").json()["paths"]
        post = paths["/api/v1/care/threads/{code}/messages"]["post"]
        self.assertEqual({"200", "201", "403", "404", "422"} <= set(post["responses"]), True)
        self.assertIn("/api/v1/care/threads/{code}/read", paths)

    def test_it_asks_a_member_to_agree_to_the_privacy_summary_before_sending(self) -> None:
        type(self.alice).objects.filter(pk=self.alice.pk).update(privacy_version="old")
        self.client.force_login(self.alice)
        r = self.post("hi")
        self.assertEqual(r.status_code, 403)
        self.assertIn("/accounts/privacy/agree/", r.json()["detail"])
        self.assertEqual(self.client.get(f"{self.base}/messages").status_code, 200)
        self.assertFalse(Message.objects.exists())
