import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from mindhaven.accounts.models import AccessToken
from mindhaven.accounts.services import issue_token
from mindhaven.core.testing import BaseTestCase

ME = "/api/v1/me"
TOKEN = "/api/v1/auth/token"
TOKENS = "/api/v1/auth/tokens"


class ApiTokensTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.token, self.raw = issue_token(user=self.alice, name="Phone")

    def bearer(self, raw: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {raw or self.raw}"}

    def test_it_authenticates_with_a_bearer_token(self) -> None:
        r = self.client.get(ME, headers=self.bearer())
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["username"], "alice")

    def test_it_records_last_use_at_most_once_a_minute(self) -> None:
        self.client.get(ME, headers=self.bearer())
        self.token.refresh_from_db()
        first = self.token.last_used_at
        assert first is not None
        self.client.get(ME, headers=self.bearer())
        self.token.refresh_from_db()
        self.assertEqual(self.token.last_used_at, first)
        earlier = timezone.now() - timedelta(minutes=2)
        AccessToken.objects.filter(pk=self.token.pk).update(last_used_at=earlier)
        self.client.get(ME, headers=self.bearer())
        self.token.refresh_from_db()
        assert self.token.last_used_at is not None
        self.assertGreater(self.token.last_used_at, earlier + timedelta(minutes=1))

    def test_it_rejects_an_expired_token(self) -> None:
        AccessToken.objects.filter(pk=self.token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        r = self.client.get(ME, headers=self.bearer())
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid, expired or revoked token"})

    def test_it_rejects_a_revoked_token(self) -> None:
        AccessToken.objects.filter(pk=self.token.pk).update(revoked_at=timezone.now())
        r = self.client.get(ME, headers=self.bearer())
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid, expired or revoked token"})

    def test_it_rejects_an_unknown_token_even_with_a_session(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(ME, headers=self.bearer("mh_not-a-real-token"))
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid, expired or revoked token"})

    def test_it_rejects_a_token_of_a_deactivated_account(self) -> None:
        self.alice.is_active = False
        self.alice.save()
        r = self.client.get(ME, headers=self.bearer())
        self.assertEqual(r.status_code, 401)

    def test_it_revokes_the_token_in_use(self) -> None:
        _other, other_raw = issue_token(user=self.alice, name="Laptop")
        r = self.client.delete(TOKEN, headers=self.bearer())
        self.assertEqual(r.status_code, 204)
        self.assertEqual(r.content, b"")
        self.token.refresh_from_db()
        self.assertIsNotNone(self.token.revoked_at)
        self.assertEqual(self.client.get(ME, headers=self.bearer()).status_code, 401)
        # Only that one.
        self.assertEqual(self.client.get(ME, headers=self.bearer(other_raw)).status_code, 200)

    def test_it_needs_a_bearer_token_to_revoke_the_current_one(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.delete(TOKEN)
        self.assertEqual(r.status_code, 400)
        self.assertIn("Authorization: Bearer", r.json()["detail"])
        self.token.refresh_from_db()
        self.assertIsNone(self.token.revoked_at)

    def test_it_needs_authentication_to_revoke(self) -> None:
        r = self.client.delete(TOKEN)
        self.assertEqual(r.status_code, 401)
        self.assertIn("detail", r.json())

    def test_it_lists_own_tokens(self) -> None:
        r = self.client.get(TOKENS, headers=self.bearer())
        self.assertEqual(r.status_code, 200)
        [item] = r.json()
        self.assertEqual(item["code"], str(self.token.code))
        self.assertEqual(item["name"], "Phone")
        self.assertEqual(item["prefix"], self.token.prefix)
        self.assertTrue(self.raw.startswith(item["prefix"]))
        self.assertNotIn("token_hash", item)
        self.assertEqual(
            set(item),
            {"code", "name", "prefix", "created_at", "expires_at", "last_used_at"}
            | {"revoked_at", "is_active"},
        )

    def test_it_hides_alices_tokens_from_charlie(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(TOKENS).json(), [])

    def test_it_revokes_one_token_by_code(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.delete(f"{TOKENS}/{self.token.code}")
        self.assertEqual(r.status_code, 204)
        self.token.refresh_from_db()
        self.assertIsNotNone(self.token.revoked_at)

    def test_it_does_not_let_charlie_revoke_alices_token(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.delete(f"{TOKENS}/{self.token.code}")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json(), {"detail": "not found"})
        self.token.refresh_from_db()
        self.assertIsNone(self.token.revoked_at)

    def test_it_rejects_a_malformed_code(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.delete(f"{TOKENS}/not-a-uuid")
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "code")
        self.assertEqual(r.json()["detail"][0]["in"], "path")

    def test_it_rejects_a_session_write_without_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        r = client.delete(f"{TOKENS}/{self.token.code}")
        self.assertEqual(r.status_code, 403)
        self.assertIn("CSRF", r.json()["detail"])
        self.token.refresh_from_db()
        self.assertIsNone(self.token.revoked_at)

    def test_it_accepts_a_session_write_with_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        client.get("/accounts/profile/")  # sets the CSRF cookie
        csrf = client.cookies["csrftoken"].value
        r = client.delete(f"{TOKENS}/{self.token.code}", HTTP_X_CSRFTOKEN=csrf)
        self.assertEqual(r.status_code, 204)

    def test_it_needs_no_csrf_token_with_a_bearer_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        r = client.patch(
            ME,
            json.dumps({"display_name": "Al"}),
            content_type="application/json",
            headers=self.bearer(),
        )
        self.assertEqual(r.status_code, 200)
