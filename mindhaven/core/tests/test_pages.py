import re
from html.parser import HTMLParser

from django.contrib.staticfiles import finders
from django.test import RequestFactory, override_settings
from django.utils import translation

from mindhaven.core import views
from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import ensure_messages_compiled

PUBLIC_PAGES = [
    "/",
    "/help/",
    "/offline/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
]
MEMBER_PAGES = [
    "/",
    "/help/",
    "/accounts/profile/",
    "/notifications/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/logout/",
]


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name in names:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
        if tag == "style":
            self.problems.append("<style>")
        data_types = {"application/json", "importmap"}
        self._inline_script = tag == "script" and "src" not in names
        if self._inline_script and names.get("type") in data_types:
            self._inline_script = False

    def handle_data(self, data: str) -> None:
        if self._inline_script and data.strip():
            self.problems.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._inline_script = False


class PagesTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()

    def get_final(self, path: str) -> str:
        r = self.client.get(path, follow=True)
        self.assertEqual(r.status_code, 200, path)
        return r.content.decode()

    def test_it_serves_public_pages_to_anonymous_visitors(self) -> None:
        for path in PUBLIC_PAGES:
            r = self.client.get(path)
            self.assertEqual(r.status_code, 200, path)

    def test_it_links_to_help_on_every_page(self) -> None:
        pages = [self.get_final(path) for path in PUBLIC_PAGES]
        pages.append(self.client.get("/no-such-page/").content.decode())
        self.client.force_login(self.alice)
        pages += [self.get_final(path) for path in MEMBER_PAGES]
        for html in pages:
            self.assertIn('<a class="help-now" href="/help/">Get help now</a>', html)
            self.assertIn("Mindhaven is not an emergency service.", html)

    def test_it_marks_up_landmarks_and_a_skip_link(self) -> None:
        r = self.client.get("/")
        self.assertContains(r, '<a class="skip-link" href="#main">')
        self.assertContains(r, '<header class="site-header">')
        self.assertContains(r, '<nav class="wrap site-nav" aria-label="Main">')
        self.assertContains(r, '<main id="main"')
        self.assertContains(r, '<footer class="site-footer">')
        self.assertContains(r, '<html lang="en" dir="ltr">')

    def test_it_offers_sign_in_and_sign_up_to_anonymous_visitors(self) -> None:
        r = self.client.get("/")
        self.assertContains(r, 'href="/accounts/login/"')
        self.assertContains(r, 'href="/accounts/signup/"')
        self.assertNotContains(r, 'id="notifications-live"')
        self.assertNotContains(r, "data-ws-notifications")
        self.assertNotContains(r, "notifications/live.js")

    @override_settings(SIGNUP_OPEN=False)
    def test_it_hides_sign_up_when_sign_up_is_closed(self) -> None:
        r = self.client.get("/")
        self.assertContains(r, 'href="/accounts/login/"')
        self.assertNotContains(r, 'href="/accounts/signup/"')

    def test_it_welcomes_a_signed_in_person(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/")
        self.assertContains(r, "Welcome, Alice")
        self.assertContains(r, 'href="/accounts/profile/"')
        self.assertContains(r, 'href="/notifications/"')
        self.assertContains(r, '<div id="notifications-live" class="wrap" aria-live="polite">')
        self.assertContains(r, '<body data-ws-notifications="/ws/notifications/" ')
        self.assertContains(r, '<script type="module" src="/static/notifications/live.js">')
        self.assertNotContains(r, 'href="/accounts/signup/"')

    def test_it_signs_out_with_a_post_form(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get("/").content.decode()
        form = re.search(r'<form[^>]*action="/accounts/logout/"[^>]*>.*?</form>', html, re.S)
        self.assertIsNotNone(form)
        assert form is not None
        self.assertIn('method="post"', form.group(0))
        self.assertIn("csrfmiddlewaretoken", form.group(0))
        self.client.post("/accounts/logout/")
        self.assertContains(self.client.get("/"), 'href="/accounts/login/"')

    def test_it_shows_charlie_his_own_name_and_nothing_of_alices(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get("/", headers={"accept-language": "en"})
        self.assertContains(r, "Charlie")
        self.assertNotContains(r, "Alice")

    def test_it_shows_nothing_for_pillars_that_are_not_built(self) -> None:
        self.client.force_login(self.alice)
        html = self.client.get("/").content.decode()
        # Built: the app's mood check-in and telehealth, for people signed in.
        self.assertIn('href="/mood/"', html)
        self.assertIn('href="/care/"', html)
        self.assertIn('href="/care/messages/"', html)
        # Not built yet: support groups and VR exposure.
        for path in ("/community/", "/exposure/"):
            self.assertNotIn(f'href="{path}', html)

    def test_it_shows_no_pillar_to_visitors(self) -> None:
        html = self.client.get("/").content.decode()
        for path in ("/mood/", "/care/", "/community/", "/exposure/"):
            self.assertNotIn(f'href="{path}', html)

    def test_it_lists_emergency_numbers_as_phone_links(self) -> None:
        r = self.client.get("/help/")
        for number in ("112", "911", "999", "000"):
            self.assertContains(r, f'<a href="tel:{number}"><strong>{number}</strong>')
        self.assertContains(r, "not an emergency service")
        self.assertContains(r, "Crisis lines")

    def test_it_renders_the_404_page_in_spanish(self) -> None:
        self.client.cookies["django_language"] = "es"
        r = self.client.get("/no-such-page/")
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, '<html lang="es"', status_code=404)
        self.assertContains(r, "Página no encontrada", status_code=404)
        self.assertContains(r, "Pide ayuda ahora", status_code=404)

    def test_it_renders_the_500_page_without_context_processors(self) -> None:
        request = RequestFactory().get("/")
        # No session or user on the request: nothing in the page may need them.
        with translation.override("en"):
            r = views.server_error(request)
        self.assertEqual(r.status_code, 500)
        html = r.content.decode()
        self.assertIn("Something went wrong", html)
        self.assertIn('href="/help/"', html)

    def test_it_sends_a_strict_content_security_policy(self) -> None:
        for path in ("/", "/help/", "/accounts/login/"):
            policy = self.client.get(path)["Content-Security-Policy"]
            self.assertIn("script-src 'self'", policy)
            self.assertIn("style-src 'self'", policy)
            self.assertNotIn("unsafe-inline", policy)
            self.assertNotIn("unsafe-eval", policy)

    def test_it_has_no_inline_code_a_strict_policy_would_block(self) -> None:
        pages = [self.get_final(path) for path in PUBLIC_PAGES]
        self.client.force_login(self.alice)
        pages += [self.get_final(path) for path in MEMBER_PAGES]
        for html in pages:
            finder = InlineCodeFinder()
            finder.feed(html)
            self.assertEqual(finder.problems, [])

    def test_it_uses_our_layout_for_account_pages(self) -> None:
        self.client.force_login(self.alice)
        html = self.get_final("/accounts/2fa/")
        self.assertIn('<nav class="manage-nav" aria-label="Account settings">', html)
        self.assertIn("<title>", html)
        self.assertIn('<link rel="stylesheet" href="/static/core/site.css">', html)
        self.client.logout()
        html = self.client.get("/accounts/login/").content.decode()
        self.assertIn('<div class="entrance">', html)

    def test_it_keeps_the_stylesheet_small(self) -> None:
        path = finders.find("core/site.css")
        assert isinstance(path, str)
        with open(path, "rb") as f:
            self.assertLess(len(f.read()), 15_000)

    def test_it_loads_no_web_fonts_and_no_htmx_by_default(self) -> None:
        html = self.client.get("/").content.decode()
        self.assertNotIn("fonts.googleapis", html)
        self.assertNotIn("htmx", html)
        self.assertNotIn("@font-face", html)

    def test_it_rejects_post_to_pages(self) -> None:
        for path in ("/", "/help/", "/offline/"):
            self.assertEqual(self.client.post(path).status_code, 405)
