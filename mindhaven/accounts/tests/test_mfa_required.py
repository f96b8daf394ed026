import json
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache

from mindhaven.accounts.middleware import MFA_SETUP_ALLOWED_API
from mindhaven.accounts.models import AccessToken, User
from mindhaven.accounts.services import issue_token
from mindhaven.api import api
from mindhaven.core.testing import BaseTestCase, make_user

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
MFA_DETAIL = {"detail": "two-factor authentication must be enabled for this role"}


def current_code(secret: str) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return str(format_hotp_value(hotp_value(secret, counter)))


class MfaRequiredTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # rate limits and used TOTP codes live in the cache
        self.erin = make_user("erin", User.Role.CLINICIAN)  # not a demo persona

    def post_token(self, username: str = "erin", **extra: str):
        data = {"username": username, "password": self.password, **extra}
        return self.client.post(TOKEN, json.dumps(data), content_type="application/json")

    def enable_totp(self, user: User) -> str:
        secret = str(generate_totp_secret())
        TOTP.activate(user, secret)
        return secret

    def test_it_sends_a_clinician_without_mfa_to_set_it_up(self) -> None:
        self.client.force_login(self.erin)
        r = self.client.get("/notifications/")
        self.assertRedirects(r, "/accounts/2fa/", fetch_redirect_response=False)
        # The account pages stay reachable, to set it up.
        self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)

    def test_it_refuses_the_api_by_session(self) -> None:
        self.client.force_login(self.erin)
        r = self.client.get(ME)
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), MFA_DETAIL)

    def test_it_refuses_the_api_by_bearer_token(self) -> None:
        _token, raw = issue_token(user=self.erin, name="old")
        r = self.client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), MFA_DETAIL)

    def test_it_leaves_the_public_api_open_to_a_session_without_mfa(self) -> None:
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get("/api/v1/openapi.json").status_code, 200)
        self.assertEqual(self.client.get("/api/v1/docs").status_code, 200)
        r = self.client.post("/api/v1/auth/register", "{}", content_type="application/json")
        self.assertEqual(r.status_code, 422)
        # The token endpoint answers for itself: 401 for bad credentials, 403 for hers.
        self.assertEqual(self.post_token("erin", password="wrong").status_code, 401)
        r = self.post_token()
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), MFA_DETAIL)
        # Everything else under /api/ stays closed, whatever the method.
        self.assertEqual(self.client.delete(TOKEN).status_code, 403)
        self.assertEqual(self.client.get("/api/v1/auth/register").status_code, 403)

    def test_it_exempts_exactly_the_operations_that_need_no_authentication(self) -> None:
        public = {
            (method.upper(), path)
            for path, operations in api.get_openapi_schema()["paths"].items()
            for method, operation in operations.items()
            if not operation.get("security")
        }
        documents = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}
        self.assertEqual(MFA_SETUP_ALLOWED_API, public | documents)

    def test_it_refuses_a_token_until_mfa_is_enabled(self) -> None:
        r = self.post_token()
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json(), MFA_DETAIL)
        self.assertFalse(AccessToken.objects.filter(user=self.erin).exists())

    def test_it_still_hides_a_wrong_password_behind_401(self) -> None:
        r = self.client.post(
            TOKEN,
            json.dumps({"username": "erin", "password": "wrong"}),
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid username or password"})

    def test_it_lets_demo_staff_through_without_mfa(self) -> None:
        self.assertEqual(self.post_token("bob").status_code, 200)

    def test_it_demands_an_otp_once_totp_is_enabled(self) -> None:
        self.enable_totp(self.erin)
        r = self.post_token()
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "otp required"})
        self.assertFalse(AccessToken.objects.filter(user=self.erin).exists())

    def test_it_rejects_a_wrong_otp(self) -> None:
        secret = self.enable_totp(self.erin)
        wrong = f"{(int(current_code(secret)) + 1) % 1_000_000:06d}"
        r = self.post_token(otp=wrong)
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid otp"})
        self.assertFalse(AccessToken.objects.filter(user=self.erin).exists())

    def test_it_accepts_a_valid_totp_code_once(self) -> None:
        secret = self.enable_totp(self.erin)
        code = current_code(secret)
        r = self.post_token(otp=code)
        self.assertEqual(r.status_code, 200)
        raw = r.json()["token"]
        authenticator = Authenticator.objects.get(user=self.erin, type=Authenticator.Type.TOTP)
        self.assertIsNotNone(authenticator.last_used_at)
        # The token now works for the API, and the same code cannot be replayed.
        self.assertEqual(self.client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code, 200)
        self.assertEqual(self.post_token(otp=code).json(), {"detail": "invalid otp"})

    def test_it_accepts_an_unused_recovery_code_and_uses_it_up(self) -> None:
        self.enable_totp(self.erin)
        codes = RecoveryCodes.activate(self.erin).generate_codes()
        r = self.post_token(otp=codes[3])
        self.assertEqual(r.status_code, 200)
        recovery = RecoveryCodes(
            Authenticator.objects.get(user=self.erin, type=Authenticator.Type.RECOVERY_CODES)
        )
        self.assertNotIn(codes[3], recovery.get_unused_codes())
        r = self.post_token(otp=codes[3])
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json(), {"detail": "invalid otp"})

    def test_it_demands_an_otp_from_a_member_who_enabled_mfa(self) -> None:
        secret = self.enable_totp(self.alice)
        self.assertEqual(self.post_token("alice").json(), {"detail": "otp required"})
        self.assertEqual(self.post_token("alice", otp=current_code(secret)).status_code, 200)

    def test_it_throttles_repeated_wrong_codes(self) -> None:
        self.enable_totp(self.erin)
        for _ in range(5):
            self.assertEqual(self.post_token(otp="000000x").status_code, 401)
        r = self.post_token(otp="000000x")
        self.assertEqual(r.status_code, 429)

    def test_it_opens_pages_and_api_once_mfa_is_enabled(self) -> None:
        self.enable_totp(self.erin)
        self.client.force_login(self.erin)
        self.assertEqual(self.client.get("/notifications/").status_code, 200)
        self.assertEqual(self.client.get(ME).status_code, 200)
