from datetime import timedelta
from unittest import mock

import textstat
from django.core.exceptions import ValidationError
from django.utils import timezone

from mindhaven.accounts.consent import PRIVACY_SUMMARY
from mindhaven.accounts.models import CareLink, ConsentEvent, ConsentGrant
from mindhaven.accounts.permissions import get_clients_for_clinician
from mindhaven.accounts.services import (
    accept_invite,
    agree_to_privacy,
    create_invite,
    grant_consent,
    link_member,
)
from mindhaven.care.models import ClinicianProfile
from mindhaven.core.testing import BaseTestCase

SHARING = "/accounts/sharing/"
AGREE = "/accounts/privacy/agree/"
REAUTHENTICATE = "/accounts/reauthenticate/"


class CarePagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agree_to_privacy(user=cls.alice)
        agree_to_privacy(user=cls.charlie)

    def sign_in(self, username: str = "alice") -> None:
        """Sign in and confirm the password, so that allauth's sudo mode lets changes through."""
        self.client.force_login(getattr(self, username))
        r = self.client.post(REAUTHENTICATE, {"password": self.password})
        self.assertEqual(r.status_code, 302, r.content[:500])

    def test_it_shows_the_privacy_summary_first(self) -> None:
        self.client.force_login(self.alice)
        self.alice.privacy_agreed_at = None
        self.alice.save()
        r = self.client.get(SHARING)
        self.assertRedirects(
            r, f"{AGREE}?next=%2Faccounts%2Fsharing%2F", fetch_redirect_response=False
        )
        r = self.client.get(f"{AGREE}?next=/accounts/sharing/")
        self.assertContains(r, "not an emergency service")
        self.assertContains(r, 'href="/trust/"')
        r = self.client.post(AGREE, {"next": "/accounts/sharing/"})
        self.assertRedirects(r, SHARING, fetch_redirect_response=False)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.has_agreed_to_privacy)

    def test_it_ignores_an_unsafe_next(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(AGREE, {"next": "https://evil.example/"})
        self.assertRedirects(r, SHARING, fetch_redirect_response=False)

    def test_it_writes_the_summary_at_grade_eight(self) -> None:
        text = " ".join(str(point) for point in PRIVACY_SUMMARY)
        # No CMUdict download in tests: textstat counts syllables with pyphen (as test_trust).
        with mock.patch("textstat.backend.counts._count_syllables.get_cmudict", return_value=None):
            self.assertLessEqual(textstat.flesch_kincaid_grade(text), 8)

    def test_it_lists_only_clinicians_who_chose_the_directory(self) -> None:
        ClinicianProfile.objects.create(clinician=self.bob, listed=True)
        ClinicianProfile.objects.create(clinician=self.dave, listed=False)
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/clinicians/")
        self.assertContains(r, "Bob")
        self.assertContains(r, f'href="/care/clinicians/{self.bob.code}/"')
        self.assertNotContains(r, "Dave")
        self.assertNotContains(r, "Charlie")

    def test_it_lists_the_members_own_clinician_even_when_unlisted(self) -> None:
        link_member(member=self.alice, clinician=self.dave, how="invite")
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/clinicians/")
        self.assertContains(r, "Dave")
        self.assertContains(r, "Linked: choose what to share")

    def test_it_does_not_link_to_an_unlisted_clinician_from_the_directory(self) -> None:
        self.sign_in()
        r = self.client.post(f"/accounts/clinicians/{self.dave.code}/link/")
        self.assertEqual(r.status_code, 404)
        self.assertFalse(CareLink.objects.filter(member=self.alice).exists())

    def test_it_links_from_the_directory(self) -> None:
        ClinicianProfile.objects.create(clinician=self.dave, listed=True)
        self.sign_in()
        r = self.client.post(f"/accounts/clinicians/{self.dave.code}/link/")
        self.assertRedirects(r, SHARING, fetch_redirect_response=False)
        self.assertEqual(CareLink.objects.get(member=self.alice).how, "directory")

    def test_it_saves_what_is_shared(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood", "assessments"])
        link = CareLink.objects.get()
        self.sign_in()
        r = self.client.get(SHARING)
        self.assertContains(r, f'value="mood" id="c-{link.code}-mood"')
        self.assertContains(r, "Your mood check-ins")
        r = self.client.post(f"{SHARING}{link.code}/", {"categories": ["mood", "vitals"]})
        self.assertRedirects(r, SHARING, fetch_redirect_response=False)
        self.assertEqual(get_clients_for_clinician(self.bob), [(self.alice, ["mood", "vitals"])])
        r = self.client.get(SHARING)
        self.assertContains(r, "Stopped sharing")

    def test_it_rejects_unknown_categories(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        link = CareLink.objects.get()
        self.sign_in()
        r = self.client.post(f"{SHARING}{link.code}/", {"categories": ["mood", "dreams"]})
        self.assertContains(r, "dreams", status_code=400)
        self.assertEqual(ConsentGrant.objects.filter(revoked_at=None).count(), 1)
        self.assertEqual(ConsentEvent.objects.count(), 1)

    def test_it_asks_for_the_password_again_before_changes(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        link = CareLink.objects.get()
        self.client.force_login(self.alice)  # no recent sign-in recorded
        r = self.client.post(f"{SHARING}{link.code}/", {"categories": []})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE), r["Location"])
        self.assertEqual(ConsentGrant.objects.filter(revoked_at=None).count(), 1)

    def test_it_asks_again_once_the_sign_in_is_old(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        link = CareLink.objects.get()
        self.sign_in()
        later = timezone.now() + timedelta(seconds=601)
        with mock.patch("time.time", return_value=later.timestamp()):
            r = self.client.post(f"{SHARING}{link.code}/end/")
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE), r["Location"])
        self.assertTrue(CareLink.objects.get().is_active)

    def test_it_ends_a_link(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        link = CareLink.objects.get()
        self.sign_in()
        r = self.client.post(f"{SHARING}{link.code}/end/")
        self.assertRedirects(r, SHARING, fetch_redirect_response=False)
        self.assertEqual(get_clients_for_clinician(self.bob), [])

    def test_it_shows_charlie_none_of_alices_links(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        link = CareLink.objects.get()
        self.sign_in("charlie")
        r = self.client.get(SHARING)
        self.assertNotContains(r, str(link.code))
        self.assertNotContains(r, "Bob")
        self.assertEqual(self.client.post(f"{SHARING}{link.code}/", {}).status_code, 404)
        self.assertEqual(self.client.post(f"{SHARING}{link.code}/end/").status_code, 404)
        self.assertEqual(ConsentGrant.objects.filter(revoked_at=None).count(), 1)

    def test_it_follows_an_invite(self) -> None:
        invite = create_invite(clinician=self.bob)
        self.sign_in()
        r = self.client.get(invite.path)
        self.assertContains(r, "Bob invites you")
        r = self.client.post(invite.path)
        self.assertRedirects(r, SHARING, fetch_redirect_response=False)
        self.assertEqual(CareLink.objects.get(member=self.alice, clinician=self.bob).how, "invite")
        self.assertFalse(ConsentGrant.objects.exists())

    def test_it_rejects_a_bad_invite(self) -> None:
        self.sign_in()
        token = create_invite(clinician=self.bob).token
        for bad in ("nonsense", token[:-2] + "xx"):
            r = self.client.post(f"/accounts/invite/{bad}/")
            self.assertContains(r, "does not work", status_code=404)
        self.assertFalse(CareLink.objects.exists())

    def test_it_rejects_an_expired_invite(self) -> None:
        token = create_invite(clinician=self.bob).token
        later = timezone.now() + timedelta(days=15)
        with (
            mock.patch("time.time", return_value=later.timestamp()),
            self.assertRaises(ValidationError) as caught,
        ):
            accept_invite(member=self.alice, token=token)
        self.assertIn("token", caught.exception.message_dict)
        self.assertFalse(CareLink.objects.exists())

    def test_it_shows_bob_his_clients_and_makes_invites(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.bob)
        r = self.client.get("/accounts/clients/")
        self.assertContains(r, "Alice")
        self.assertContains(r, "Mood")
        r = self.client.post("/accounts/clients/invite/")
        self.assertContains(r, "/accounts/invite/", status_code=201)
        self.client.force_login(self.dave)
        self.assertNotContains(self.client.get("/accounts/clients/"), "Alice")

    def test_it_keeps_the_pages_to_their_roles(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get("/accounts/clients/").status_code, 403)
        self.assertEqual(self.client.post("/accounts/clients/invite/").status_code, 403)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(SHARING).status_code, 403)
