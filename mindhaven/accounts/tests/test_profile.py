from django.conf import settings

from mindhaven.accounts.models import User
from mindhaven.core.testing import BaseTestCase

URL = "/accounts/profile/"


class ProfileTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def data(self, **changes: str) -> dict[str, str]:
        data = {
            "display_name": "Alice",
            "timezone": "Europe/London",
            "locale": "en",
            "country": "GB",
        }
        data.update(changes)
        return data

    def test_it_shows_the_form_with_current_values(self) -> None:
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<label for="id_display_name">Display name:</label>', html=True)
        # Each zone with its offset today (London's is +00:00 in winter, +01:00 in summer).
        self.assertRegex(
            r.content.decode(),
            r'<option value="Europe/London" selected>Europe/London \(UTC\+0[01]:00\)</option>',
        )
        self.assertContains(r, ">America/New York (UTC-0")
        self.assertContains(r, '<option value="GB" selected>United Kingdom</option>', html=True)
        self.assertContains(r, 'aria-describedby="id_timezone_helptext"')

    def test_it_links_to_email_password_and_two_factor(self) -> None:
        r = self.client.get(URL)
        self.assertContains(r, 'href="/accounts/email/"')
        self.assertContains(r, 'href="/accounts/password/change/"')
        self.assertContains(r, 'href="/accounts/2fa/"')

    def test_it_has_no_inline_script_or_style(self) -> None:
        r = self.client.get(URL)
        html = r.content.decode()
        self.assertNotIn("<style", html)
        self.assertNotIn(" style=", html)
        self.assertNotIn("<script>", html)
        self.assertNotIn(" onclick=", html)
        self.assertIn("script-src 'self'", r["Content-Security-Policy"])

    def test_it_saves_the_profile(self) -> None:
        r = self.client.post(
            URL, self.data(display_name="Ali", timezone="America/Bogota", country="CO")
        )
        self.assertRedirects(r, URL, fetch_redirect_response=False)
        self.alice.refresh_from_db()
        self.assertEqual(
            (self.alice.display_name, self.alice.timezone, self.alice.country),
            ("Ali", "America/Bogota", "CO"),
        )
        self.assertContains(self.client.get(URL), "Your profile was saved.")

    def test_it_switches_the_site_language(self) -> None:
        # The browser had picked English; saving Spanish must still switch it.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        r = self.client.post(URL, self.data(locale="es"))
        self.assertEqual(r.cookies[settings.LANGUAGE_COOKIE_NAME].value, "es")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.locale, "es")
        page = self.client.get(URL)
        self.assertContains(page, '<html lang="es"')

    def test_it_keeps_an_alias_zone_selectable(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(timezone="US/Eastern")
        r = self.client.get(URL)
        self.assertContains(r, '<option value="US/Eastern" selected>US/Eastern</option>', html=True)
        self.assertNotContains(r, '<option value="US/Pacific"')
        r = self.client.post(URL, self.data(timezone="US/Eastern"))
        self.assertEqual(r.status_code, 302)

    def test_it_allows_no_country(self) -> None:
        self.client.post(URL, self.data(country=""))
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.country, "")

    def test_it_rejects_bad_values_with_errors_tied_to_fields(self) -> None:
        r = self.client.post(URL, self.data(timezone="Mars/Olympus", country="XX", locale="fr"))
        self.assertEqual(r.status_code, 400)
        html = r.content.decode()
        for field in ["timezone", "country", "locale"]:
            self.assertIn(f'id="id_{field}_error"', html)
            self.assertIn('aria-invalid="true"', html)
        self.assertContains(
            r, 'aria-describedby="id_timezone_helptext id_timezone_error"', status_code=400
        )
        self.alice.refresh_from_db()
        self.assertEqual((self.alice.timezone, self.alice.country), ("Europe/London", "GB"))

    def test_it_rejects_a_too_long_display_name(self) -> None:
        r = self.client.post(URL, self.data(display_name="x" * 81))
        self.assertEqual(r.status_code, 400)
        self.assertEqual(User.objects.get(pk=self.alice.pk).display_name, "Alice")

    def test_it_only_edits_the_signed_in_person(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get(URL)
        self.assertNotContains(r, 'Europe/London" selected')
        self.client.post(URL, self.data(display_name="Not Alice"))
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice")
        self.assertEqual(User.objects.get(pk=self.charlie.pk).display_name, "Not Alice")

    def test_it_requires_login(self) -> None:
        self.client.logout()
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
