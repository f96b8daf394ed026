from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.tests.test_api import URL, ApiClient, entry


class ClinicianMoodApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.grant = grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.as_alice = ApiClient(self.client, self.alice)
        self.as_alice.post(URL, entry(note="Slept badly; the new dose helps.", mood=2))
        self.url = f"/api/v1/clinician/clients/{self.alice.code}/mood/entries"

    def test_it_shows_bob_alices_entries_with_notes_and_audits_it(self) -> None:
        r = ApiClient(self.client, self.bob).get(self.url)
        self.assertEqual(r.status_code, 200)
        items = r.json()["items"]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["note"], "Slept badly; the new dose helps.")
        self.assertEqual(items[0]["recorded_at"], "2025-05-01T08:30:00+02:00")
        event = AuditEvent.objects.get(category="mood")
        self.assertEqual(event.actor_code, self.bob.code)
        self.assertEqual(event.actor_username, "bob")
        self.assertEqual(event.subject_code, self.alice.code)
        self.assertEqual((event.action, event.object_type), ("view", "mood.entries"))

    def test_it_pages_for_bob_too(self) -> None:
        self.as_alice.post(URL, entry(recorded_at="2025-05-02T08:30:00+02:00"))
        r = ApiClient(self.client, self.bob).get(self.url, limit=1)
        self.assertIsNotNone(r.json()["next"])
        r = ApiClient(self.client, self.bob).get(self.url, limit=1, cursor=r.json()["next"])
        self.assertEqual(r.json()["items"][0]["mood"], 2)

    def test_it_is_404_for_dave_charlie_and_carol(self) -> None:
        for user in (self.dave, self.charlie, self.carol):
            with self.subTest(user=user.username):
                r = ApiClient(self.client, user).get(self.url)
                self.assertEqual(r.status_code, 404)
                self.assertEqual(r.json(), {"detail": "not found"})
        self.assertFalse(AuditEvent.objects.filter(category="mood").exists())

    def test_it_ends_bobs_access_at_once_when_alice_revokes(self) -> None:
        as_bob = ApiClient(self.client, self.bob)
        self.assertEqual(as_bob.get(self.url).status_code, 200)
        revoke_consent(member=self.alice, grant=self.grant)
        self.assertEqual(as_bob.get(self.url).status_code, 404)

    def test_it_needs_consent_to_mood_not_another_category(self) -> None:
        revoke_consent(member=self.alice, grant=self.grant)
        grant_consent(member=self.alice, clinician=self.bob, categories=["assessments"])
        self.assertEqual(ApiClient(self.client, self.bob).get(self.url).status_code, 404)

    def test_it_is_404_for_a_member_who_does_not_exist(self) -> None:
        url = "/api/v1/clinician/clients/00000000-0000-4000-8000-000000000000/mood/entries"
        self.assertEqual(ApiClient(self.client, self.bob).get(url).status_code, 404)

    def test_it_is_404_for_alice_herself(self) -> None:
        # The contract: 404 for anyone but a linked clinician with mood consent; alice
        # reads her own entries through /api/v1/mood/entries.
        r = self.as_alice.get(self.url)
        self.assertEqual(r.status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(category="mood").exists())
