from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from mindhaven.accounts.consent import CATEGORY_KEYS, CONSENT_TEXT_VERSION
from mindhaven.accounts.models import CareLink, ConsentEvent, ConsentGrant, ImmutableError
from mindhaven.accounts.permissions import (
    get_client_for_clinician,
    get_clients_for_clinician,
    has_consent,
)
from mindhaven.accounts.services import (
    agree_to_privacy,
    end_link,
    grant_consent,
    revoke_consent,
    set_shared_categories,
)
from mindhaven.core.testing import BaseTestCase


class ConsentAccessTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        agree_to_privacy(user=cls.alice)
        agree_to_privacy(user=cls.charlie)

    def setUp(self) -> None:
        super().setUp()
        self.grant = grant_consent(
            member=self.alice, clinician=self.bob, categories=["mood", "assessments"]
        )

    def test_it_has_the_eight_categories(self) -> None:
        self.assertEqual(
            CATEGORY_KEYS,
            (
                "mood",
                "journal",
                "assessments",
                "vitals",
                "exposure",
                "messages",
                "safety_plan",
                "safety_alerts",
            ),
        )

    def test_it_gives_bob_alices_mood(self) -> None:
        self.assertEqual(get_client_for_clinician(self.bob, self.alice.code, "mood"), self.alice)
        self.assertEqual(
            get_client_for_clinician(self.bob, str(self.alice.code), "mood"), self.alice
        )
        self.assertTrue(has_consent(clinician=self.bob, member=self.alice, category="mood"))

    def test_it_hides_categories_not_granted(self) -> None:
        with self.assertRaises(Http404):
            get_client_for_clinician(self.bob, self.alice.code, "journal")
        with self.assertRaises(Http404):
            get_client_for_clinician(self.bob, self.alice.code, "not-a-category")

    def test_it_hides_alice_from_dave_charlie_and_carol(self) -> None:
        for user in (self.dave, self.charlie, self.carol, self.alice):
            with self.assertRaises(Http404):
                get_client_for_clinician(user, self.alice.code, "mood")
            self.assertEqual(get_clients_for_clinician(user), [])

    def test_it_answers_404_for_bad_codes(self) -> None:
        for code in ("not-a-uuid", "", str(self.charlie.code)):
            with self.assertRaises(Http404):
                get_client_for_clinician(self.bob, code, "mood")

    def test_it_ends_access_at_once_on_revoke(self) -> None:
        get_client_for_clinician(self.bob, self.alice.code, "mood")
        revoke_consent(member=self.alice, grant=self.grant)
        with self.assertRaises(Http404):
            get_client_for_clinician(self.bob, self.alice.code, "mood")

    def test_it_ends_access_when_the_link_ends(self) -> None:
        end_link(member=self.alice, link=self.grant.link)
        with self.assertRaises(Http404):
            get_client_for_clinician(self.bob, self.alice.code, "mood")
        self.grant.refresh_from_db()
        self.assertIsNotNone(self.grant.revoked_at)
        self.assertEqual(get_clients_for_clinician(self.bob), [])

    def test_it_ends_access_when_the_member_is_deactivated(self) -> None:
        self.alice.is_active = False
        self.alice.save()
        with self.assertRaises(Http404):
            get_client_for_clinician(self.bob, self.alice.code, "mood")

    def test_it_lists_bobs_clients(self) -> None:
        self.assertEqual(
            get_clients_for_clinician(self.bob), [(self.alice, ["mood", "assessments"])]
        )

    def test_it_keeps_one_active_link_per_pair(self) -> None:
        with self.assertRaises(IntegrityError), transaction.atomic():
            CareLink.objects.create(member=self.alice, clinician=self.bob, how="invite")

    def test_it_records_history(self) -> None:
        revoke_consent(member=self.alice, grant=self.grant)
        revoke, grant = ConsentEvent.objects.all()
        self.assertEqual(grant.action, "grant")
        self.assertEqual(revoke.action, "revoke")
        for event in (grant, revoke):
            self.assertEqual(event.member_code, self.alice.code)
            self.assertEqual(event.clinician_code, self.bob.code)
            self.assertEqual(event.actor_code, self.alice.code)
            self.assertEqual(event.categories, ["mood", "assessments"])
            self.assertEqual(event.grant_code, self.grant.code)
            self.assertEqual(event.consent_text_version, CONSENT_TEXT_VERSION)

    def test_it_keeps_history_immutable(self) -> None:
        event = ConsentEvent.objects.get()
        event.categories = ["journal"]
        with self.assertRaises(ImmutableError):
            event.save()
        with self.assertRaises(ImmutableError):
            event.delete()
        with self.assertRaises(ImmutableError):
            ConsentEvent.objects.update(categories=[])
        with self.assertRaises(ImmutableError):
            ConsentEvent.objects.all().delete()
        self.assertEqual(ConsentEvent.objects.get().categories, ["mood", "assessments"])

    def test_it_allows_a_grant_only_to_be_revoked(self) -> None:
        self.grant.categories = ["journal"]
        with self.assertRaises(ImmutableError):
            self.grant.save()
        self.assertEqual(ConsentGrant.objects.get().categories, ["mood", "assessments"])

    def test_it_sets_shared_categories_to_exactly_a_set(self) -> None:
        set_shared_categories(member=self.alice, clinician=self.bob, categories=["mood", "vitals"])
        self.assertEqual(get_clients_for_clinician(self.bob), [(self.alice, ["mood", "vitals"])])
        self.grant.refresh_from_db()
        self.assertIsNotNone(self.grant.revoked_at)
        set_shared_categories(member=self.alice, clinician=self.bob, categories=[])
        self.assertEqual(get_clients_for_clinician(self.bob), [(self.alice, [])])

    def test_it_keeps_unchanged_sharing_as_it_is(self) -> None:
        set_shared_categories(
            member=self.alice, clinician=self.bob, categories=["assessments", "mood"]
        )
        self.assertEqual(ConsentEvent.objects.count(), 1)

    def test_it_validates_grants(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            grant_consent(member=self.alice, clinician=self.charlie, categories=["mood"])
        self.assertIn("clinician", caught.exception.message_dict)
        with self.assertRaises(PermissionDenied):
            grant_consent(member=self.dave, clinician=self.bob, categories=["mood"])
        self.assertEqual(ConsentGrant.objects.count(), 1)

    def test_it_asks_for_the_privacy_agreement_first(self) -> None:
        with self.assertRaises(PermissionDenied):
            grant_consent(
                member=self.alice.__class__.objects.create_user("eve"),
                clinician=self.bob,
                categories=["mood"],
            )
