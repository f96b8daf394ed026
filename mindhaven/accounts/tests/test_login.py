import re

from django.core.cache import cache

from mindhaven.core.testing import BaseTestCase

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
TOO_MANY = "Too many failed login attempts. Try again later."


def form_errors(html: str) -> list[str]:
    """The form-wide error messages as a person reads them on the page."""
    lists = re.findall(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', html, re.S)
    return [
        re.sub(r"\s+", " ", item).strip()
        for ul in lists
        for item in re.findall(r"<li>(.*?)</li>", ul, re.S)
    ]


class LoginTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the failed-login counters live in the cache

    def log_in(self, login: str, password: str | None = None):
        return self.client.post(LOGIN, {"login": login, "password": password or self.password})

    def signed_in_id(self) -> int | None:
        value = self.client.session.get("_auth_user_id")
        return int(value) if value is not None else None

    def test_it_shows_the_form(self) -> None:
        r = self.client.get(LOGIN)
        self.assertContains(r, 'name="login"')
        self.assertContains(r, 'name="password"')

    def test_it_signs_in_by_username(self) -> None:
        r = self.log_in("alice")
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_id(), self.alice.pk)
        self.assertContains(self.client.get("/"), "Welcome, Alice")

    def test_it_signs_in_by_email_whatever_its_case(self) -> None:
        r = self.log_in("Alice@Example.org")
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_id(), self.alice.pk)

    def test_it_follows_next_to_a_page_on_this_site_only(self) -> None:
        r = self.client.post(
            f"{LOGIN}?next=/notifications/", {"login": "alice", "password": self.password}
        )
        self.assertRedirects(r, "/notifications/", fetch_redirect_response=False)
        self.client.post(LOGOUT)
        r = self.client.post(
            f"{LOGIN}?next=https://evil.example/", {"login": "alice", "password": self.password}
        )
        self.assertRedirects(r, "/", fetch_redirect_response=False)

    def test_it_gives_the_same_error_for_a_wrong_password_and_an_unknown_user(self) -> None:
        # allauth words the message after what was typed (a username or an email
        # address), never after whether the account exists.
        pairs = [("alice", "nobody-here"), ("alice@example.org", "nobody@example.org")]
        for known, unknown in pairs:
            with self.subTest(known=known):
                wrong_password = self.log_in(known, "not alices password 1")
                unknown_user = self.log_in(unknown, "not alices password 1")
                self.assertEqual(wrong_password.status_code, 200)
                self.assertEqual(unknown_user.status_code, 200)
                errors = form_errors(wrong_password.content.decode())
                self.assertEqual(len(errors), 1)
                self.assertIn("password you specified are not correct", errors[0])
                self.assertEqual(form_errors(unknown_user.content.decode()), errors)
                self.assertIsNone(self.signed_in_id())

    def test_it_rejects_an_empty_form_naming_the_fields(self) -> None:
        r = self.client.post(LOGIN, {"login": "", "password": ""})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(set(r.context["form"].errors), {"login", "password"})
        self.assertIsNone(self.signed_in_id())

    def test_it_refuses_an_inactive_account(self) -> None:
        self.charlie.is_active = False
        self.charlie.save()
        r = self.log_in("charlie")
        self.assertIsNone(self.signed_in_id())
        self.assertNotEqual(r.headers.get("Location"), "/")

    def test_it_throttles_repeated_failures_even_for_the_right_password(self) -> None:
        for _ in range(5):
            r = self.log_in("alice", "a wrong guess 123")
            self.assertNotIn(TOO_MANY, r.content.decode())
        r = self.log_in("alice")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(form_errors(r.content.decode()), [TOO_MANY])
        self.assertIsNone(self.signed_in_id())
        # Someone else, from the same address, is throttled too ("5/5m/ip").
        r = self.log_in("charlie")
        self.assertEqual(form_errors(r.content.decode()), [TOO_MANY])
        self.assertIsNone(self.signed_in_id())

    def test_it_forgets_the_failures_once_the_window_passes(self) -> None:
        for _ in range(5):
            self.log_in("alice", "a wrong guess 123")
        cache.clear()  # what five minutes do to the counters
        self.log_in("alice")
        self.assertEqual(self.signed_in_id(), self.alice.pk)

    def test_it_signs_out_with_a_post(self) -> None:
        self.log_in("alice")
        r = self.client.post(LOGOUT)
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertIsNone(self.signed_in_id())
        self.assertContains(self.client.get("/"), 'href="/accounts/login/"')

    def test_it_does_not_sign_out_on_a_get(self) -> None:
        self.log_in("alice")
        r = self.client.get(LOGOUT)
        # A GET only asks for confirmation; a link or an image cannot sign anyone out.
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'method="post"')
        self.assertEqual(self.signed_in_id(), self.alice.pk)
