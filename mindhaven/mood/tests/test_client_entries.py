from mindhaven.accounts.services import agree_to_privacy, grant_consent, revoke_consent
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.tests.test_api import URL, ApiClient, entry


class ClientEntriesPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.grant = grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        ApiClient(self.client, self.alice).post(URL, entry(note="Walked by the river", mood=4))
        self.client.logout()
        self.url = f"/mood/clients/{self.alice.code}/"

    def test_it_shows_bob_alices_check_ins_and_audits_the_read(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, "Walked by the river")
        self.assertContains(r, "Check-ins of Alice")
        event = AuditEvent.objects.get(category="mood")
        self.assertEqual((event.actor_username, event.subject_code), ("bob", self.alice.code))

    def test_it_links_from_bobs_client_list(self) -> None:
        self.client.force_login(self.bob)
        self.assertContains(self.client.get("/accounts/clients/"), f'href="{self.url}"')

    def test_it_ends_bobs_access_at_once_when_alice_revokes(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        revoke_consent(member=self.alice, grant=self.grant)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(r, "Walked by the river", status_code=404)

    def test_it_is_404_for_dave_charlie_carol_and_alice(self) -> None:
        for user in (self.dave, self.charlie, self.carol, self.alice):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                r = self.client.get(self.url)
                self.assertEqual(r.status_code, 404)
                self.assertNotContains(r, "Walked by the river", status_code=404)
        self.assertFalse(AuditEvent.objects.filter(category="mood").exists())

    def test_it_is_404_for_a_code_that_is_not_a_member(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get("/mood/clients/00000000-0000-4000-8000-000000000000/")
        self.assertEqual(r.status_code, 404)

    def test_it_rejects_post(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(self.url).status_code, 405)
