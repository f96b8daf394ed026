import re

from django.core import mail
from django.core.cache import cache

from mindhaven.core.testing import BaseTestCase

RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a brand new passphrase 77"
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)")


def without_csrf_token(html: bytes) -> bytes:
    # Django masks the CSRF token afresh on every page; nothing else may differ.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


class PasswordResetTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # allauth's reset and login rate limits live in the cache

    def request_reset(self, email: str):
        return self.client.post(RESET, {"email": email})

    def reset_link(self) -> str:
        self.assertEqual(len(mail.outbox), 1)
        match = RESET_LINK.search(str(mail.outbox[0].body))
        self.assertIsNotNone(match, str(mail.outbox[0].body))
        assert match is not None
        return match.group(1)

    def set_password_by_link(self, link: str, password: str = NEW_PASSWORD):
        # allauth moves the key from the URL into the session, then redirects.
        r = self.client.get(link)
        self.assertEqual(r.status_code, 302)
        form_url = r["Location"]
        self.assertTrue(form_url.endswith("-set-password/"), form_url)
        r = self.client.get(form_url)
        self.assertContains(r, 'name="password1"')
        return self.client.post(form_url, {"password1": password, "password2": password})

    def log_in(self, password: str) -> bool:
        self.client.post("/accounts/login/", {"login": "alice", "password": password})
        signed_in = "_auth_user_id" in self.client.session
        self.client.post("/accounts/logout/")
        return signed_in

    def test_it_sends_one_email_with_a_reset_link(self) -> None:
        r = self.request_reset("alice@example.org")
        self.assertRedirects(r, "/accounts/password/reset/done/", fetch_redirect_response=False)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        self.assertTrue(mail.outbox[0].subject.startswith("[Mindhaven] "))
        self.assertIn("/accounts/password/reset/key/", self.reset_link())

    def test_it_sets_a_new_password_that_then_works(self) -> None:
        self.request_reset("alice@example.org")
        r = self.set_password_by_link(self.reset_link())
        self.assertRedirects(r, "/accounts/password/reset/key/done/", fetch_redirect_response=False)
        # ACCOUNT_LOGIN_ON_PASSWORD_RESET is off: resetting does not sign anyone in.
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(self.log_in(NEW_PASSWORD))
        self.assertFalse(self.log_in(self.password))

    def test_it_uses_a_link_only_once(self) -> None:
        self.request_reset("alice@example.org")
        link = self.reset_link()
        self.set_password_by_link(link)
        r = self.client.get(link, follow=True)
        self.assertContains(r, "Bad Token")
        self.assertNotContains(r, 'name="password1"')

    def test_it_rejects_a_weak_new_password_and_keeps_the_old_one(self) -> None:
        self.request_reset("alice@example.org")
        r = self.set_password_by_link(self.reset_link(), password="12345678")
        self.assertEqual(r.status_code, 200)
        self.assertIn("This password is entirely numeric.", r.context["form"].errors["password1"])
        self.assertTrue(self.log_in(self.password))

    def test_it_rejects_a_made_up_key(self) -> None:
        r = self.client.get(f"/accounts/password/reset/key/{self.alice.pk:x}-made-up/", follow=True)
        self.assertContains(r, "Bad Token")
        self.assertNotContains(r, 'name="password1"')

    def test_it_answers_an_unknown_email_exactly_as_a_known_one(self) -> None:
        known = self.request_reset("alice@example.org")
        unknown = self.request_reset("nobody@example.org")
        self.assertEqual(unknown.status_code, known.status_code)
        self.assertEqual(unknown.headers.get("Location"), known.headers.get("Location"))
        self.assertEqual(unknown.content, known.content)
        known_page = without_csrf_token(self.client.get(known["Location"]).content)
        unknown_page = without_csrf_token(self.client.get(unknown["Location"]).content)
        self.assertEqual(unknown_page, known_page)
        # The owner of the unknown address may be told someone tried; it holds no reset link.
        for message in mail.outbox[1:]:
            self.assertEqual(message.to, ["nobody@example.org"])
            self.assertIsNone(RESET_LINK.search(str(message.body)))
            self.assertNotIn("alice", str(message.body))

    def test_it_rejects_a_malformed_email(self) -> None:
        r = self.request_reset("not an email")
        self.assertEqual(r.status_code, 200)
        self.assertIn("email", r.context["form"].errors)
        self.assertEqual(mail.outbox, [])
