from mindhaven.accounts.models import User
from mindhaven.core.testing import BaseTestCase


class LanguageTestCase(BaseTestCase):
    def test_it_saves_the_choice_of_a_signed_in_person(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/i18n/setlang/", {"language": "es", "next": "/help/"})
        self.assertRedirects(r, "/help/", fetch_redirect_response=False)
        self.assertEqual(User.objects.get(pk=self.alice.pk).locale, "es")
        self.assertEqual(r.cookies["django_language"].value, "es")

    def test_it_only_sets_the_cookie_for_a_visitor(self) -> None:
        r = self.client.post("/i18n/setlang/", {"language": "es", "next": "/"})
        self.assertEqual(r.cookies["django_language"].value, "es")
        self.assertEqual(User.objects.get(pk=self.alice.pk).locale, "en")

    def test_it_ignores_an_unknown_language(self) -> None:
        self.client.force_login(self.alice)
        self.client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
        self.assertEqual(User.objects.get(pk=self.alice.pk).locale, "en")

    def test_it_changes_nothing_on_get(self) -> None:
        self.client.force_login(self.alice)
        self.client.get("/i18n/setlang/?language=es")
        self.assertEqual(User.objects.get(pk=self.alice.pk).locale, "en")
