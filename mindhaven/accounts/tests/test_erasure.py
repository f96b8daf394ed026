from pathlib import Path

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import models
from django.test import Client

from mindhaven.accounts.models import (
    AccessToken,
    CareLink,
    ConsentEvent,
    ConsentGrant,
    ExportJob,
    User,
)
from mindhaven.accounts.services import erase_account, issue_token
from mindhaven.accounts.tasks import build_export_file
from mindhaven.accounts.tests.privacy_fixtures import ALICE_NOTE, CHARLIE_NOTE, give_data
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.mood.models import MoodEntry
from mindhaven.notifications.models import Notification

ME = "/api/v1/me"
DELETE_PAGE = "/accounts/delete/"
GOODBYE = "/accounts/goodbye/"
# Relations to the user that may keep rows after erasure; each must anonymise them.
SET_NULL_ALLOWED: set[str] = {
    # Who cancelled: the appointment itself goes with either participant's account
    # (member and clinician cascade); this only forgets the canceller's name.
    "care.Appointment.cancelled_by",
}


class ErasureTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        give_data(cls.alice, note=ALICE_NOTE, clinician=cls.bob)
        give_data(cls.charlie, note=CHARLIE_NOTE, clinician=cls.dave)

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # allauth's rate limits

    def delete_me(self, body: object, *, client: Client | None = None):
        client = client or self.client
        return client.delete(ME, body, content_type="application/json")

    def assert_alice_is_intact(self) -> None:
        self.assertTrue(User.objects.filter(pk=self.alice.pk).exists())
        self.assertTrue(AccessToken.objects.filter(user=self.alice).exists())
        self.assertTrue(MoodEntry.objects.filter(member=self.alice).exists())
        self.assertTrue(Notification.objects.filter(user=self.alice).exists())
        self.assertTrue(
            ConsentGrant.objects.filter(link__member=self.alice, revoked_at=None).exists()
        )

    def assert_alice_is_gone(self) -> None:
        self.assertFalse(User.objects.filter(pk=self.alice.pk).exists())
        self.assertFalse(User.objects.filter(username="alice").exists())
        self.assertFalse(AccessToken.objects.filter(user_id=self.alice.pk).exists())
        self.assertFalse(Notification.objects.filter(user_id=self.alice.pk).exists())
        self.assertFalse(EmailAddress.objects.filter(email="alice@example.org").exists())
        self.assertFalse(MoodEntry.objects.filter(member_id=self.alice.pk).exists())
        self.assertFalse(CareLink.objects.filter(member_id=self.alice.pk).exists())
        self.assertFalse(ConsentGrant.objects.filter(link__member_id=self.alice.pk).exists())
        # What stays: tombstones keyed by her code, with no name of hers.
        events = AuditEvent.objects.filter(subject_code=self.alice.code)
        self.assertEqual([(e.actor_username, e.category) for e in events], [("bob", "mood")])
        history = ConsentEvent.objects.filter(member_code=self.alice.code)
        self.assertEqual(sorted(h.action for h in history), ["grant", "revoke"])
        # Charlie is untouched.
        self.assertTrue(MoodEntry.objects.filter(member=self.charlie, mood=4).exists())
        self.assertTrue(AccessToken.objects.filter(user=self.charlie).exists())

    # --- API ---------------------------------------------------------------------

    def test_it_erases_the_account_through_the_api(self) -> None:
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.delete_me({"password": self.password})
        self.assertEqual(r.status_code, 204)
        self.assertEqual(r.content, b"")
        self.assert_alice_is_gone()
        # Signed out: the session no longer works.
        self.assertEqual(self.client.get(ME).status_code, 401)

    def test_it_erases_with_a_token_and_the_token_dies_with_it(self) -> None:
        _token, raw = issue_token(user=self.alice, name="script")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        r = self.delete_me({"password": self.password}, client=client)
        self.assertEqual(r.status_code, 204)
        self.assert_alice_is_gone()
        self.assertEqual(client.get(ME).status_code, 401)

    def test_it_refuses_a_wrong_password_and_deletes_nothing(self) -> None:
        self.client.force_login(self.alice)
        r = self.delete_me({"password": "not my password"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"detail": "wrong password: nothing was deleted"})
        self.assert_alice_is_intact()

    def test_it_names_a_missing_password(self) -> None:
        self.client.force_login(self.alice)
        for body in ({}, {"password": ""}):
            r = self.delete_me(body)
            self.assertEqual(r.status_code, 422)
            self.assertEqual([e["field"] for e in r.json()["detail"]], ["password"])
        self.assert_alice_is_intact()

    def test_it_limits_wrong_passwords(self) -> None:
        self.client.force_login(self.alice)
        codes = [self.delete_me({"password": f"guess {i}"}).status_code for i in range(6)]
        self.assertEqual(codes, [403] * 5 + [429])
        self.assertEqual(self.delete_me({"password": self.password}).status_code, 429)
        self.assert_alice_is_intact()

    def test_it_refuses_anonymous_callers(self) -> None:
        r = self.delete_me({"password": self.password})
        self.assertEqual(r.status_code, 401)
        self.assert_alice_is_intact()

    def test_it_needs_csrf_with_the_session(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        self.assertEqual(
            self.delete_me({"password": self.password}, client=client).status_code, 403
        )
        self.assert_alice_is_intact()

    def test_it_refuses_to_erase_the_last_admin(self) -> None:
        root = make_user("root", User.Role.ADMIN, is_superuser=True, is_staff=True, is_demo=True)
        self.client.force_login(root)
        r = self.delete_me({"password": self.password})
        self.assertEqual(r.status_code, 409)
        self.assertIn("only administrator", r.json()["detail"])
        self.assertTrue(User.objects.filter(pk=root.pk).exists())
        # With a second administrator, the first may go.
        make_user("root2", User.Role.ADMIN, is_demo=True)
        self.assertEqual(self.delete_me({"password": self.password}).status_code, 204)
        self.assertFalse(User.objects.filter(pk=root.pk).exists())

    # --- what goes with it -------------------------------------------------------

    def test_it_revokes_sharing_and_keeps_the_history_when_a_clinician_leaves(self) -> None:
        erase_account(user=self.bob)
        self.assertFalse(CareLink.objects.filter(member=self.alice).exists())
        revoke = ConsentEvent.objects.get(member_code=self.alice.code, action="revoke")
        self.assertIsNone(revoke.actor_code)  # the system, not alice
        self.assertEqual(revoke.clinician_code, self.bob.code)
        # Alice's access log keeps bob's name: it is her record of who looked.
        self.assertTrue(
            AuditEvent.objects.filter(subject_code=self.alice.code, actor_username="bob")
        )

    def test_it_deletes_export_files(self) -> None:
        job = ExportJob.objects.create(user=self.alice)
        build_export_file.enqueue(str(job.code))
        job.refresh_from_db()
        path = Path(settings.DATA_DIR) / "exports" / job.file_name
        self.assertTrue(path.is_file())
        with self.captureOnCommitCallbacks(execute=True):
            erase_account(user=self.alice)
        self.assertFalse(path.exists())
        self.assertFalse(ExportJob.objects.filter(pk=job.pk).exists())

    def test_every_relation_to_the_user_goes_with_the_account(self) -> None:
        user_model = get_user_model()
        found = []
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if not (field.is_relation and field.concrete and field.related_model is user_model):
                    continue
                label = f"{model._meta.label}.{field.name}"
                found.append(label)
                on_delete = field.remote_field.on_delete  # type: ignore[union-attr]
                if label in SET_NULL_ALLOWED:
                    self.assertIs(on_delete, models.SET_NULL, label)
                else:
                    self.assertIs(on_delete, models.CASCADE, f"{label} would keep data")
        self.assertIn("mood.MoodEntry.member", found)
        self.assertIn("accounts.AccessToken.user", found)

    # --- the page ----------------------------------------------------------------

    def test_it_explains_what_goes_and_what_stays(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(DELETE_PAGE)
        self.assertContains(r, "What is deleted")
        self.assertContains(r, "What stays")
        self.assertContains(r, "random number")
        self.assertContains(r, 'autocomplete="current-password"')
        self.assertContains(r, 'href="/accounts/export/"')

    def test_it_erases_the_account_from_the_page(self) -> None:
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(DELETE_PAGE, {"password": self.password})
        self.assertRedirects(r, GOODBYE, fetch_redirect_response=False)
        self.assert_alice_is_gone()
        goodbye = self.client.get(GOODBYE)
        self.assertContains(goodbye, "Your account is deleted")
        self.assertContains(goodbye, 'href="/accounts/login/"')  # signed out

    def test_it_refuses_a_wrong_password_on_the_page(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(DELETE_PAGE, {"password": "not my password"})
        self.assertContains(r, "That is not your password. Nothing was deleted.", status_code=403)
        self.assertContains(r, 'aria-invalid="true"', status_code=403)
        r = self.client.post(DELETE_PAGE, {"password": ""})
        self.assertEqual(r.status_code, 400)
        self.assert_alice_is_intact()

    def test_it_limits_wrong_passwords_on_the_page(self) -> None:
        self.client.force_login(self.alice)
        for i in range(5):
            self.client.post(DELETE_PAGE, {"password": f"guess {i}"})
        r = self.client.post(DELETE_PAGE, {"password": self.password})
        self.assertContains(r, "Too many wrong passwords", status_code=429)
        self.assert_alice_is_intact()

    def test_it_tells_the_last_admin_why_not(self) -> None:
        root = make_user("root", User.Role.ADMIN, is_demo=True)
        self.client.force_login(root)
        self.assertContains(self.client.get(DELETE_PAGE), "only administrator account")
        r = self.client.post(DELETE_PAGE, {"password": self.password})
        self.assertEqual(r.status_code, 409)
        self.assertTrue(User.objects.filter(pk=root.pk).exists())

    def test_it_lets_charlie_delete_only_himself(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.post(DELETE_PAGE, {"password": self.password})
        self.assertRedirects(r, GOODBYE, fetch_redirect_response=False)
        self.assertFalse(User.objects.filter(pk=self.charlie.pk).exists())
        self.assert_alice_is_intact()

    def test_it_sends_anonymous_visitors_to_sign_in_but_shows_goodbye(self) -> None:
        r = self.client.post(DELETE_PAGE, {"password": self.password})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
        self.assertEqual(self.client.get(GOODBYE).status_code, 200)
        self.assert_alice_is_intact()
