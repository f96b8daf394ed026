import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from mindhaven.accounts.models import User
from mindhaven.core.testing import BaseTestCase

SIGNUP = "/accounts/signup/"


class SignupTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # allauth's sign-up rate limit lives in the cache

    def sign_up(self, username: str = "newcomer", password: str | None = None, **extra: str):
        password = password or self.password
        data = {
            "email": f"{username}@example.org",
            "username": username,
            "password1": password,
            "password2": password,
            **extra,
        }
        return self.client.post(SIGNUP, data)

    def test_it_shows_the_form(self) -> None:
        r = self.client.get(SIGNUP)
        self.assertEqual(r.status_code, 200)
        for name in ("email", "username", "password1", "password2"):
            self.assertContains(r, f'name="{name}"')

    def test_it_signs_up_and_signs_in(self) -> None:
        r = self.sign_up()
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        user = User.objects.get(username="newcomer")
        self.assertEqual(user.email, "newcomer@example.org")
        self.assertEqual(user.role, User.Role.MEMBER)
        self.assertFalse(user.is_demo)
        self.assertTrue(user.check_password(self.password))
        self.assertEqual(int(self.client.session["_auth_user_id"]), user.pk)
        self.assertContains(self.client.get("/"), "Welcome, newcomer")

    def test_it_rejects_a_weak_password_with_the_validators_message(self) -> None:
        r = self.sign_up(password="12345678")
        self.assertEqual(r.status_code, 200)
        errors = r.context["form"].errors
        self.assertIn(
            "This password is too short. It must contain at least 10 characters.",
            errors["password1"],
        )
        self.assertIn("This password is entirely numeric.", errors["password1"])
        # Rendered with the field and tied to it for screen readers.
        html = r.content.decode()
        errorlist = re.search(r'<ul class="errorlist" id="id_password1_error">.*?</ul>', html, re.S)
        self.assertIsNotNone(errorlist, html)
        assert errorlist is not None
        self.assertIn("This password is entirely numeric.", errorlist.group(0))
        field = re.search(r'<input type="password" name="password1"[^>]*>', html)
        assert field is not None
        self.assertIn('aria-invalid="true"', field.group(0))
        self.assertRegex(field.group(0), r'aria-describedby="[^"]*\bid_password1_error\b')
        self.assertFalse(User.objects.filter(username="newcomer").exists())
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_rejects_mismatched_passwords_and_a_taken_username(self) -> None:
        r = self.sign_up("alice", password2="something else entirely 7")
        self.assertEqual(r.status_code, 200)
        errors = r.context["form"].errors
        self.assertIn("username", errors)
        self.assertIn("password2", errors)
        self.assertEqual(User.objects.filter(username="alice").count(), 1)

    @override_settings(SIGNUP_OPEN=False)
    def test_it_shows_the_closed_page_when_sign_up_is_closed(self) -> None:
        r = self.client.get(SIGNUP)
        self.assertContains(r, "Sign Up Closed")
        self.assertNotContains(r, 'name="password1"')
        r = self.sign_up()
        self.assertContains(r, "Sign Up Closed")
        self.assertFalse(User.objects.filter(username="newcomer").exists())
        self.assertEqual(User.objects.count(), 5)

    @override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
    def test_it_verifies_the_email_address_by_the_link_it_sends(self) -> None:
        r = self.sign_up()
        self.assertRedirects(r, "/accounts/confirm-email/", fetch_redirect_response=False)
        user = User.objects.get(username="newcomer")
        # Mandatory verification: not signed in until the address is confirmed.
        self.assertNotIn("_auth_user_id", self.client.session)
        address = EmailAddress.objects.get(user=user)
        self.assertFalse(address.verified)

        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["newcomer@example.org"])
        self.assertTrue(message.subject.startswith("[Mindhaven] "))
        match = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", str(message.body))
        self.assertIsNotNone(match, str(message.body))
        assert match is not None
        link = match.group(1)

        r = self.client.get(link)
        self.assertContains(r, "newcomer@example.org")
        r = self.client.post(link)
        self.assertEqual(r.status_code, 302)
        address.refresh_from_db()
        self.assertTrue(address.verified)

        r = self.client.post("/accounts/login/", {"login": "newcomer", "password": self.password})
        self.assertRedirects(r, "/", fetch_redirect_response=False)

    def test_it_does_not_verify_with_a_made_up_key(self) -> None:
        self.sign_up()
        r = self.client.post("/accounts/confirm-email/not-a-real-key/")
        self.assertFalse(EmailAddress.objects.get(email="newcomer@example.org").verified)
        self.assertIn(r.status_code, {200, 404})
