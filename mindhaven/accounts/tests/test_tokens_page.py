from django.test import Client

from mindhaven.accounts.models import AccessToken, hash_token
from mindhaven.accounts.services import issue_token
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.notifications.models import Notification

PROFILE = "/accounts/profile/"
CREATE = "/accounts/profile/tokens/"


def revoke_url(token: AccessToken) -> str:
    return f"/accounts/profile/tokens/{token.code}/revoke/"


class TokensPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token, _raw = issue_token(user=self.alice, name="Old phone")
        self.client.force_login(self.alice)

    def test_it_lists_tokens(self) -> None:
        r = self.client.get(PROFILE)
        self.assertContains(r, '<section id="tokens"')
        self.assertContains(r, "Old phone")
        self.assertContains(r, f"<code>{self.token.prefix}</code>", html=True)
        self.assertContains(r, revoke_url(self.token))

    def test_it_creates_a_token_and_shows_it_once(self) -> None:
        r = self.client.post(CREATE, {"name": "Laptop"})
        self.assertEqual(r.status_code, 201)
        self.assertEqual(r["Cache-Control"], "no-store")
        token = AccessToken.objects.get(user=self.alice, name="Laptop")
        raw = r.context["new_token"]
        self.assertEqual(hash_token(raw), token.token_hash)
        self.assertContains(r, f'<code id="new-token">{raw}</code>', html=True, status_code=201)
        self.assertNotContains(self.client.get(PROFILE), raw)
        self.assertTrue(Notification.objects.filter(user=self.alice, body="Laptop").exists())
        # And it works.
        me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(me.json()["username"], "alice")

    def test_it_rejects_a_missing_name(self) -> None:
        r = self.client.post(CREATE, {"name": ""})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'id="id_name_error"', status_code=400)
        self.assertContains(r, 'aria-invalid="true"', status_code=400)
        self.assertEqual(AccessToken.objects.filter(user=self.alice).count(), 1)

    def test_it_rejects_get_for_create_and_revoke(self) -> None:
        self.assertEqual(self.client.get(CREATE).status_code, 405)
        self.assertEqual(self.client.get(revoke_url(self.token)).status_code, 405)

    def test_it_revokes_a_token(self) -> None:
        r = self.client.post(revoke_url(self.token))
        self.assertRedirects(r, PROFILE + "#tokens", fetch_redirect_response=False)
        self.token.refresh_from_db()
        self.assertIsNotNone(self.token.revoked_at)
        page = self.client.get(PROFILE)
        self.assertContains(page, "was revoked")
        self.assertNotContains(page, revoke_url(self.token))

    def test_it_does_not_let_charlie_see_or_revoke_alices_tokens(self) -> None:
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get(PROFILE), "Old phone")
        r = self.client.post(revoke_url(self.token))
        self.assertEqual(r.status_code, 404)
        self.token.refresh_from_db()
        self.assertIsNone(self.token.revoked_at)

    def test_it_requires_csrf_to_revoke(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        r = client.post(revoke_url(self.token))
        self.assertEqual(r.status_code, 403)
        self.token.refresh_from_db()
        self.assertIsNone(self.token.revoked_at)

    def test_it_lets_an_admin_see_but_not_create_tokens(self) -> None:
        self.client.force_login(make_user("root", is_staff=True, is_superuser=True, is_demo=True))
        r = self.client.get("/admin/accounts/accesstoken/")
        self.assertContains(r, "Old phone")
        self.assertEqual(self.client.get("/admin/accounts/accesstoken/add/").status_code, 403)
        self.assertNotContains(
            self.client.get(f"/admin/accounts/accesstoken/{self.token.pk}/change/"),
            self.token.token_hash,
        )
