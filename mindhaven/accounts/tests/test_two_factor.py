import html
import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.cache import cache
from django.http import HttpResponse
from django.test import override_settings

from mindhaven.accounts.models import User
from mindhaven.core.testing import BaseTestCase, make_user

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
MFA_INDEX = "/accounts/2fa/"
ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"
RECOVERY_CODES = "/accounts/2fa/recovery-codes/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
REAUTHENTICATE = "/accounts/reauthenticate/"


def totp_code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset periods away), by allauth's own HOTP."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + offset
    return str(format_hotp_value(hotp_value(secret, counter)))


def wrong_code(secret: str) -> str:
    """A code that is valid for no counter in allauth's tolerance window."""
    window = range(-mfa_settings.TOTP_TOLERANCE - 1, mfa_settings.TOTP_TOLERANCE + 2)
    valid = {totp_code(secret, offset) for offset in window}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


def recovery_codes_on(page: HttpResponse) -> list[str]:
    match = re.search(
        r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', page.content.decode(), re.S
    )
    assert match is not None, page.content.decode()
    return html.unescape(match.group(1)).split()


# A code computed just before a 30-second boundary is still accepted just after it,
# so that no test fails by the clock.
@override_settings(MFA_TOTP_TOLERANCE=1)
class TwoFactorTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # rate limits and used TOTP codes live in the cache

    def signed_in_id(self) -> int | None:
        value = self.client.session.get("_auth_user_id")
        return int(value) if value is not None else None

    def sign_in(self, username: str):
        return self.client.post(LOGIN, {"login": username, "password": self.password})

    def confirm_password(self, url: str):
        """Open a page, giving the password again if allauth asks to reauthenticate."""
        r = self.client.get(url)
        if r.status_code == 302 and r["Location"].startswith(REAUTHENTICATE):
            self.assertContains(self.client.get(r["Location"]), 'name="password"')
            r = self.client.post(r["Location"], {"password": self.password}, follow=True)
            self.assertEqual(r.request["PATH_INFO"], url)
        self.assertEqual(r.status_code, 200)
        return r

    def enable_totp(self) -> tuple[str, list[str]]:
        """Enable TOTP on the activation page, as a person with an authenticator app would."""
        r = self.confirm_password(ACTIVATE)
        secret = self.client.session[SECRET_SESSION_KEY]
        # The page shows the secret to type into an app, and a QR code of it.
        self.assertContains(r, secret)
        self.assertContains(r, "data:image/svg+xml;base64,")
        r = self.client.post(ACTIVATE, {"code": totp_code(secret)})
        self.assertRedirects(r, RECOVERY_CODES, fetch_redirect_response=False)
        codes = recovery_codes_on(self.confirm_password(RECOVERY_CODES))
        return secret, codes

    def sign_in_to_the_code_step(self, username: str) -> None:
        r = self.sign_in(username)
        self.assertRedirects(r, AUTHENTICATE, fetch_redirect_response=False)
        self.assertIsNone(self.signed_in_id())

    def test_it_enables_totp_and_recovery_codes_through_the_pages(self) -> None:
        self.sign_in("alice")
        self.assertContains(self.client.get(MFA_INDEX), f'href="{ACTIVATE}"')
        _secret, codes = self.enable_totp()
        types = set(Authenticator.objects.filter(user=self.alice).values_list("type", flat=True))
        self.assertEqual(types, {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES})
        self.assertEqual(len(codes), mfa_settings.RECOVERY_CODE_COUNT)
        self.assertEqual(len(set(codes)), len(codes))
        # Nobody else gained a second factor, and the secret left the session.
        self.assertFalse(Authenticator.objects.exclude(user=self.alice).exists())
        self.assertNotIn(SECRET_SESSION_KEY, self.client.session)

    def test_it_rejects_a_wrong_activation_code_and_enables_nothing(self) -> None:
        self.sign_in("alice")
        self.confirm_password(ACTIVATE)
        secret = self.client.session[SECRET_SESSION_KEY]
        r = self.client.post(ACTIVATE, {"code": wrong_code(secret)})
        self.assertEqual(r.status_code, 200)
        self.assertIn("code", r.context["form"].errors)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())

    def test_it_asks_for_a_code_after_the_password(self) -> None:
        self.sign_in("alice")
        secret, _codes = self.enable_totp()
        self.client.post(LOGOUT)
        self.assertIsNone(self.signed_in_id())

        self.sign_in_to_the_code_step("alice")
        # The rest of the site still treats the visitor as signed out.
        self.assertContains(self.client.get("/"), f'href="{LOGIN}"')
        r = self.client.get(AUTHENTICATE)
        self.assertContains(r, 'name="code"')

        r = self.client.post(AUTHENTICATE, {"code": wrong_code(secret)})
        self.assertEqual(r.status_code, 200)
        self.assertIn("code", r.context["form"].errors)
        self.assertIsNone(self.signed_in_id())

        r = self.client.post(AUTHENTICATE, {"code": totp_code(secret)})
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_id(), self.alice.pk)
        totp = Authenticator.objects.get(user=self.alice, type=Authenticator.Type.TOTP)
        self.assertIsNotNone(totp.last_used_at)

    def test_it_refuses_the_same_totp_code_twice(self) -> None:
        self.sign_in("alice")
        secret, _codes = self.enable_totp()
        self.client.post(LOGOUT)
        code = totp_code(secret)
        self.sign_in_to_the_code_step("alice")
        self.client.post(AUTHENTICATE, {"code": code})
        self.assertEqual(self.signed_in_id(), self.alice.pk)
        self.client.post(LOGOUT)
        self.sign_in_to_the_code_step("alice")
        r = self.client.post(AUTHENTICATE, {"code": code})
        self.assertEqual(r.status_code, 200)
        self.assertIsNone(self.signed_in_id())

    def test_it_accepts_a_recovery_code_once(self) -> None:
        self.sign_in("alice")
        _secret, codes = self.enable_totp()
        self.client.post(LOGOUT)

        self.sign_in_to_the_code_step("alice")
        r = self.client.post(AUTHENTICATE, {"code": codes[0]})
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_id(), self.alice.pk)
        # Viewing the codes asks for the password again too.
        self.assertTrue(self.client.get(RECOVERY_CODES)["Location"].startswith(REAUTHENTICATE))
        remaining = recovery_codes_on(self.confirm_password(RECOVERY_CODES))
        self.assertNotIn(codes[0], remaining)
        self.assertEqual(len(remaining), len(codes) - 1)
        self.client.post(LOGOUT)

        self.sign_in_to_the_code_step("alice")
        r = self.client.post(AUTHENTICATE, {"code": codes[0]})
        self.assertEqual(r.status_code, 200)
        self.assertIn("code", r.context["form"].errors)
        self.assertIsNone(self.signed_in_id())
        # Another unused code still works.
        r = self.client.post(AUTHENTICATE, {"code": codes[1]})
        self.assertEqual(self.signed_in_id(), self.alice.pk)

    def test_it_does_not_ask_charlie_for_a_code(self) -> None:
        self.sign_in("alice")
        self.enable_totp()
        self.client.post(LOGOUT)
        r = self.sign_in("charlie")
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_id(), self.charlie.pk)

    def test_it_asks_for_the_password_again_before_enabling(self) -> None:
        # Even straight after signing in: allauth counts only a fresh confirmation.
        self.sign_in("alice")
        r = self.client.get(ACTIVATE)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE), r["Location"])
        confirm_url = r["Location"]

        r = self.client.post(confirm_url, {"password": "not the password 1"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("password", r.context["form"].errors)
        self.assertEqual(self.client.get(ACTIVATE).status_code, 302)
        self.assertFalse(Authenticator.objects.filter(user=self.alice).exists())

        r = self.client.post(confirm_url, {"password": self.password}, follow=True)
        self.assertEqual(r.request["PATH_INFO"], ACTIVATE)
        self.assertContains(r, 'name="code"')

    def test_it_disables_totp_after_asking_for_the_password_again(self) -> None:
        self.sign_in("alice")
        secret, _codes = self.enable_totp()
        self.client.post(LOGOUT)
        self.sign_in_to_the_code_step("alice")
        self.client.post(AUTHENTICATE, {"code": totp_code(secret)})
        self.assertEqual(self.signed_in_id(), self.alice.pk)

        r = self.client.get(DEACTIVATE)
        self.assertTrue(r["Location"].startswith(REAUTHENTICATE), r["Location"])
        self.assertTrue(
            Authenticator.objects.filter(user=self.alice, type=Authenticator.Type.TOTP).exists()
        )
        self.confirm_password(DEACTIVATE)
        r = self.client.post(DEACTIVATE)
        self.assertRedirects(r, MFA_INDEX, fetch_redirect_response=False)
        self.assertFalse(
            Authenticator.objects.filter(user=self.alice, type=Authenticator.Type.TOTP).exists()
        )
        self.client.post(LOGOUT)
        r = self.sign_in("alice")
        self.assertRedirects(r, "/", fetch_redirect_response=False)

    def test_it_sends_a_clinician_to_set_up_two_factor_before_the_home_page(self) -> None:
        erin = make_user("erin", role=User.Role.CLINICIAN)
        r = self.sign_in("erin")
        self.assertEqual(self.signed_in_id(), erin.pk)
        r = self.client.get("/", follow=True)
        self.assertEqual(r.redirect_chain[-1][0], MFA_INDEX)
        self.assertContains(r, f'href="{ACTIVATE}"')
        self.assertRedirects(self.client.get("/notifications/"), MFA_INDEX)

        self.enable_totp()
        r = self.client.get("/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Welcome, Erin")
