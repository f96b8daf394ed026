from uuid import uuid4

from mindhaven.accounts.models import CareLink, ConsentEvent, ConsentGrant
from mindhaven.accounts.permissions import get_client_for_clinician
from mindhaven.accounts.services import (
    PRIVACY_AGREEMENT_DETAIL,
    agree_to_privacy,
    grant_consent,
    link_member,
)
from mindhaven.core.testing import BaseTestCase

CONSENTS = "/api/v1/consents"
CLIENTS = "/api/v1/clinician/clients"


class ConsentApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agree_to_privacy(user=cls.alice)
        agree_to_privacy(user=cls.charlie)

    def post(self, body: object, user=None):
        self.client.force_login(user or self.alice)
        return self.client.post(CONSENTS, body, content_type="application/json")

    def assert_nothing_changed(self) -> None:
        self.assertFalse(CareLink.objects.exists())
        self.assertFalse(ConsentGrant.objects.exists())
        self.assertFalse(ConsentEvent.objects.exists())

    def test_it_grants_and_links(self) -> None:
        r = self.post({"clinician": "bob", "categories": ["mood", "assessments"]})
        self.assertEqual(r.status_code, 201)
        body = r.json()
        self.assertEqual(set(body), {"id", "clinician", "categories", "granted_at"})
        self.assertEqual(body["clinician"], "bob")
        self.assertEqual(body["categories"], ["mood", "assessments"])
        grant = ConsentGrant.objects.get()
        self.assertEqual(body["id"], str(grant.code))
        self.assertEqual(grant.link.how, CareLink.How.DIRECTORY)
        self.assertEqual(get_client_for_clinician(self.bob, self.alice.code, "mood"), self.alice)

    def test_it_accepts_the_clinician_code(self) -> None:
        r = self.post({"clinician": str(self.bob.code), "categories": ["journal"]})
        self.assertEqual(r.status_code, 201)
        self.assertEqual(r.json()["clinician"], "bob")

    def test_it_reuses_an_existing_link(self) -> None:
        link = link_member(member=self.alice, clinician=self.bob, how=CareLink.How.INVITE)
        self.assertEqual(self.post({"clinician": "bob", "categories": ["mood"]}).status_code, 201)
        self.assertEqual(CareLink.objects.get(), link)

    def test_it_rejects_an_unknown_category(self) -> None:
        r = self.post({"clinician": "bob", "categories": ["mood", "dreams"]})
        self.assertEqual(r.status_code, 422)
        [error] = r.json()["detail"]
        self.assertEqual(error["field"], "categories")
        self.assertIn("dreams", error["message"])
        self.assert_nothing_changed()

    def test_it_rejects_duplicate_categories(self) -> None:
        r = self.post({"clinician": "bob", "categories": ["mood", "mood"]})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "categories")
        self.assertIn("mood", r.json()["detail"][0]["message"])
        self.assert_nothing_changed()

    def test_it_rejects_no_categories(self) -> None:
        r = self.post({"clinician": "bob", "categories": []})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "categories")
        self.assert_nothing_changed()

    def test_it_rejects_a_non_clinician(self) -> None:
        for who in ("charlie", "carol", str(self.charlie.code), "nobody", str(uuid4())):
            r = self.post({"clinician": who, "categories": ["mood"]})
            self.assertEqual(r.status_code, 422, who)
            self.assertEqual(r.json()["detail"][0]["field"], "clinician")
        self.assert_nothing_changed()

    def test_it_rejects_malformed_input(self) -> None:
        r = self.post({"clinician": "bob", "categories": "mood"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "categories")
        r = self.post({"categories": ["mood"]})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "clinician")
        self.assert_nothing_changed()

    def test_it_lets_only_members_grant(self) -> None:
        r = self.post({"clinician": "bob", "categories": ["mood"]}, user=self.dave)
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"detail": "only members can share their data with a clinician"})
        self.assert_nothing_changed()

    def test_it_requires_the_privacy_agreement(self) -> None:
        self.alice.privacy_agreed_at = None
        self.alice.save()
        r = self.post({"clinician": "bob", "categories": ["mood"]})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"detail": PRIVACY_AGREEMENT_DETAIL})
        self.assert_nothing_changed()

    def test_it_requires_authentication(self) -> None:
        r = self.client.post(
            CONSENTS, {"clinician": "bob", "categories": ["mood"]}, content_type="application/json"
        )
        self.assertEqual(r.status_code, 401)
        self.assert_nothing_changed()

    def test_it_lists_active_grants_only(self) -> None:
        kept = grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        gone = grant_consent(member=self.alice, clinician=self.bob, categories=["journal"])
        self.client.force_login(self.alice)
        self.client.delete(f"{CONSENTS}/{gone.code}")
        r = self.client.get(CONSENTS)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            r.json(),
            [
                {
                    "id": str(kept.code),
                    "clinician": "bob",
                    "categories": ["mood"],
                    "granted_at": r.json()[0]["granted_at"],
                }
            ],
        )

    def test_it_revokes_at_once(self) -> None:
        grant = grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.alice)
        r = self.client.delete(f"{CONSENTS}/{grant.code}")
        self.assertEqual(r.status_code, 204)
        self.assertEqual(r.content, b"")
        grant.refresh_from_db()
        self.assertIsNotNone(grant.revoked_at)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(CLIENTS).json()[0]["categories"], [])
        self.assertEqual(self.client.delete(f"{CONSENTS}/{grant.code}").status_code, 404)

    def test_it_revokes_twice_without_a_second_event(self) -> None:
        grant = grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.alice)
        self.assertEqual(self.client.delete(f"{CONSENTS}/{grant.code}").status_code, 204)
        self.assertEqual(self.client.delete(f"{CONSENTS}/{grant.code}").status_code, 204)
        self.assertEqual(ConsentEvent.objects.filter(action="revoke").count(), 1)

    def test_it_hides_alices_grants_from_charlie(self) -> None:
        grant = grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(CONSENTS).json(), [])
        r = self.client.delete(f"{CONSENTS}/{grant.code}")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json(), {"detail": "not found"})
        grant.refresh_from_db()
        self.assertIsNone(grant.revoked_at)

    def test_it_answers_404_for_an_unknown_grant(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.delete(f"{CONSENTS}/{uuid4()}").status_code, 404)

    def test_it_lists_a_clinicians_clients(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["assessments", "mood"])
        link_member(member=self.charlie, clinician=self.bob, how=CareLink.How.INVITE)
        self.client.force_login(self.bob)
        r = self.client.get(CLIENTS)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            r.json(),
            [
                {
                    "code": str(self.alice.code),
                    "username": "alice",
                    "display_name": "Alice",
                    "categories": ["mood", "assessments"],
                },
                {
                    "code": str(self.charlie.code),
                    "username": "charlie",
                    "display_name": "Charlie",
                    "categories": [],
                },
            ],
        )

    def test_it_shows_dave_no_clients(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.dave)
        self.assertEqual(self.client.get(CLIENTS).json(), [])

    def test_it_refuses_the_client_list_to_non_clinicians(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        for user in (self.alice, self.charlie, self.carol):
            self.client.force_login(user)
            r = self.client.get(CLIENTS)
            self.assertEqual(r.status_code, 403)
            self.assertEqual(r.json(), {"detail": "only clinicians have clients"})
