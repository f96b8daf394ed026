import json
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from mindhaven.accounts.models import AccessToken, User, hash_token
from mindhaven.core.testing import BaseTestCase
from mindhaven.notifications.models import Notification

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
STRONG = "quiet-river-lantern-58"


class ApiAuthTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # rate limits live in the cache

    def post(self, path: str, data: object, **extra: Any):
        return self.client.post(path, json.dumps(data), content_type="application/json", **extra)

    def fields(self, response) -> set[str]:
        return {error["field"] for error in response.json()["detail"]}

    # --- register -----------------------------------------------------------

    def test_it_registers_a_member(self) -> None:
        r = self.post(
            REGISTER, {"username": "erin", "password": STRONG, "email": "erin@example.org"}
        )
        self.assertEqual(r.status_code, 201)
        user = User.objects.get(username="erin")
        self.assertEqual(r.json(), {"code": str(user.code), "username": "erin"})
        self.assertEqual(user.role, User.Role.MEMBER)
        self.assertTrue(user.check_password(STRONG))
        address = EmailAddress.objects.get(user=user)
        self.assertEqual(address.email, "erin@example.org")
        self.assertFalse(address.verified)
        self.assertTrue(address.primary)

    @override_settings(SIGNUP_OPEN=False)
    def test_it_refuses_sign_up_when_closed(self) -> None:
        r = self.post(
            REGISTER, {"username": "erin", "password": STRONG, "email": "erin@example.org"}
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), {"detail": "sign-up is closed on this server"})
        self.assertFalse(User.objects.filter(username="erin").exists())

    def test_it_rejects_a_taken_username_whatever_its_case(self) -> None:
        r = self.post(
            REGISTER, {"username": "Alice", "password": STRONG, "email": "a2@example.org"}
        )
        self.assertEqual(r.status_code, 422)
        self.assertEqual(
            r.json()["detail"],
            [{"field": "username", "message": "That username is taken.", "in": "body"}],
        )
        self.assertEqual(User.objects.filter(username__iexact="alice").count(), 1)

    def test_it_rejects_a_taken_email(self) -> None:
        r = self.post(
            REGISTER, {"username": "erin", "password": STRONG, "email": "ALICE@example.org"}
        )
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"email"})
        self.assertFalse(User.objects.filter(username="erin").exists())

    def test_it_rejects_a_weak_password_with_the_validators_message(self) -> None:
        r = self.post(
            REGISTER, {"username": "erin", "password": "12345", "email": "erin@example.org"}
        )
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"password"})
        messages = [e["message"] for e in r.json()["detail"]]
        self.assertIn(
            "This password is too short. It must contain at least 10 characters.", messages
        )
        self.assertIn("This password is entirely numeric.", messages)
        self.assertFalse(User.objects.filter(username="erin").exists())

    def test_it_rejects_a_password_like_the_username(self) -> None:
        r = self.post(
            REGISTER,
            {"username": "erinwalker", "password": "erinwalker1", "email": "e@example.org"},
        )
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"password"})

    def test_it_rejects_a_bad_email_and_a_bad_username_together(self) -> None:
        r = self.post(REGISTER, {"username": "erin walker!", "password": STRONG, "email": "nope"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"username", "email"})
        self.assertEqual(User.objects.count(), 5)

    def test_it_rejects_a_wrong_type_naming_the_field(self) -> None:
        r = self.post(REGISTER, {"username": 42, "password": STRONG, "email": "erin@example.org"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(
            r.json()["detail"],
            [{"field": "username", "message": "Input should be a valid string", "in": "body"}],
        )
        self.assertEqual(User.objects.count(), 5)

    def test_it_names_missing_fields(self) -> None:
        r = self.post(REGISTER, {"username": "erin"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"password", "email"})

    def test_it_rejects_malformed_json(self) -> None:
        r = self.client.post(REGISTER, '{"username": "erin",', content_type="application/json")
        self.assertEqual(r.status_code, 400)
        self.assertTrue(r.json()["detail"].startswith("malformed JSON in request body: "))
        self.assertIn("line 1", r.json()["detail"])
        self.assertEqual(User.objects.count(), 5)

    def test_it_rejects_a_body_that_is_not_an_object(self) -> None:
        r = self.post(REGISTER, ["erin", STRONG])
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"username", "password", "email"})
        self.assertEqual(User.objects.count(), 5)

    @override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/m/ip"})
    def test_it_rate_limits_sign_up(self) -> None:
        for i in range(2):
            r = self.post(
                REGISTER, {"username": f"u{i}", "password": STRONG, "email": f"u{i}@e.org"}
            )
            self.assertEqual(r.status_code, 201)
        r = self.post(REGISTER, {"username": "u3", "password": STRONG, "email": "u3@e.org"})
        self.assertEqual(r.status_code, 429)
        self.assertIn("detail", r.json())
        self.assertFalse(User.objects.filter(username="u3").exists())

    # --- token --------------------------------------------------------------

    def test_it_issues_a_token(self) -> None:
        before = timezone.now()
        r = self.post(TOKEN, {"username": "alice", "password": self.password})
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual(set(body), {"token", "expires_at"})
        token = AccessToken.objects.get(user=self.alice)
        self.assertEqual(token.token_hash, hash_token(body["token"]))
        self.assertNotIn(body["token"], token.token_hash)
        self.assertTrue(body["token"].startswith(token.prefix))
        self.assertEqual(token.name, "API token")
        self.assertGreaterEqual(token.expires_at, before + timedelta(days=30))
        self.assertLess(token.expires_at, before + timedelta(days=30, minutes=1))
        self.assertEqual(body["expires_at"][:19], token.expires_at.isoformat()[:19])

    @override_settings(API_TOKEN_DAYS=2)
    def test_it_uses_the_configured_lifetime(self) -> None:
        self.post(TOKEN, {"username": "alice", "password": self.password})
        token = AccessToken.objects.get(user=self.alice)
        self.assertLess(token.expires_at, timezone.now() + timedelta(days=2, minutes=1))

    def test_it_accepts_an_email_and_a_name(self) -> None:
        r = self.post(
            TOKEN, {"username": "alice@example.org", "password": self.password, "name": "Phone"}
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(AccessToken.objects.get(user=self.alice).name, "Phone")

    def test_it_notifies_the_owner(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.post(TOKEN, {"username": "alice", "password": self.password, "name": "Laptop"})
        notification = Notification.objects.get(user=self.alice)
        self.assertEqual(notification.kind, "security.token_created")
        self.assertEqual(notification.title, "A new access token was created")
        self.assertEqual(notification.body, "Laptop")
        self.assertEqual(notification.url, "/accounts/profile/#tokens")

    def test_it_writes_the_notice_in_the_owners_language(self) -> None:
        self.post(TOKEN, {"username": "carol", "password": self.password})
        notification = Notification.objects.get(user=self.carol)
        self.assertEqual(notification.kind, "security.token_created")
        self.assertTrue(notification.title)

    def test_it_gives_the_same_answer_for_a_wrong_password_and_a_missing_user(self) -> None:
        wrong = self.post(TOKEN, {"username": "alice", "password": "not it at all"})
        missing = self.post(TOKEN, {"username": "nobody", "password": "not it at all"})
        self.assertEqual(wrong.status_code, 401)
        self.assertEqual(missing.status_code, 401)
        self.assertEqual(wrong.json(), {"detail": "invalid username or password"})
        self.assertEqual(missing.json(), wrong.json())
        self.assertFalse(AccessToken.objects.exists())

    def test_it_refuses_an_inactive_account(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(is_active=False)
        r = self.post(TOKEN, {"username": "alice", "password": self.password})
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid username or password"})

    def test_it_throttles_repeated_failures_for_a_username(self) -> None:
        for _ in range(5):
            r = self.post(TOKEN, {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
            self.assertEqual(r.status_code, 401)
        # From another address, and even with the right password: the username is locked.
        r = self.post(
            TOKEN, {"username": "alice", "password": self.password}, REMOTE_ADDR="10.0.0.2"
        )
        self.assertEqual(r.status_code, 429)
        self.assertEqual(
            r.json(), {"detail": "too many failed attempts; try again in a few minutes"}
        )
        self.assertFalse(AccessToken.objects.exists())

    def test_it_throttles_repeated_failures_from_an_address(self) -> None:
        for i in range(5):
            r = self.post(TOKEN, {"username": f"guess{i}", "password": "wrong"})
            self.assertEqual(r.status_code, 401)
        r = self.post(TOKEN, {"username": "bob", "password": self.password})
        self.assertEqual(r.status_code, 429)

    def test_it_does_not_count_successes_as_failures(self) -> None:
        for _ in range(8):
            r = self.post(TOKEN, {"username": "alice", "password": self.password})
            self.assertEqual(r.status_code, 200)

    def test_it_rejects_a_wrong_credential_type_naming_the_field(self) -> None:
        r = self.post(TOKEN, {"username": "alice", "password": 123})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(self.fields(r), {"password"})
        self.assertFalse(AccessToken.objects.exists())

    def test_it_rejects_an_empty_or_long_name(self) -> None:
        for name in ["", "x" * 81]:
            r = self.post(TOKEN, {"username": "alice", "password": self.password, "name": name})
            self.assertEqual(r.status_code, 422)
            self.assertEqual(self.fields(r), {"name"})
        self.assertFalse(AccessToken.objects.exists())

    def test_it_rejects_malformed_json_for_a_token(self) -> None:
        r = self.client.post(TOKEN, "username=alice", content_type="application/json")
        self.assertEqual(r.status_code, 400)
        self.assertTrue(r.json()["detail"].startswith("malformed JSON in request body: "))
        self.assertFalse(AccessToken.objects.exists())

    def test_it_answers_405_in_json_for_a_wrong_method(self) -> None:
        r = self.client.put(TOKEN)
        self.assertEqual(r.status_code, 405)
        self.assertTrue(r["Content-Type"].startswith("application/json"))
        self.assertIn("PUT", r.json()["detail"])
        self.assertIn("POST", r["Allow"])
