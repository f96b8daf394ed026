import json

from mindhaven.accounts.models import User
from mindhaven.core.testing import BaseTestCase

ME = "/api/v1/me"


class ApiMeTestCase(BaseTestCase):
    def patch(self, data: object):
        return self.client.patch(ME, json.dumps(data), content_type="application/json")

    def test_it_describes_the_signed_in_person(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(ME)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            r.json(),
            {
                "code": str(self.alice.code),
                "username": "alice",
                "display_name": "Alice",
                "role": "member",
                "timezone": "Europe/London",
                "locale": "en",
            },
        )

    def test_it_shows_charlie_only_charlie(self) -> None:
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(ME).json()["code"], str(self.charlie.code))

    def test_it_requires_authentication(self) -> None:
        r = self.client.get(ME)
        self.assertEqual(r.status_code, 401)
        self.assertTrue(r["Content-Type"].startswith("application/json"))
        self.assertIn("Bearer", r.json()["detail"])

    def test_it_updates_the_profile(self) -> None:
        self.client.force_login(self.alice)
        r = self.patch({"display_name": "Ali", "timezone": "America/Bogota", "locale": "es"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["timezone"], "America/Bogota")
        self.alice.refresh_from_db()
        self.assertEqual(
            (self.alice.display_name, self.alice.timezone, self.alice.locale, self.alice.country),
            ("Ali", "America/Bogota", "es", "GB"),
        )

    def test_it_rejects_bad_values_naming_the_field_and_changes_nothing(self) -> None:
        self.client.force_login(self.alice)
        for data, field in [
            ({"timezone": "Mars/Olympus", "display_name": "Ali"}, "timezone"),
            ({"locale": "fr"}, "locale"),
            ({"country": "XX"}, "country"),
            ({"display_name": "x" * 81}, "display_name"),
            ({"display_name": 7}, "display_name"),
        ]:
            r = self.patch(data)
            self.assertEqual(r.status_code, 422, data)
            self.assertEqual([e["field"] for e in r.json()["detail"]], [field], data)
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice")
        self.assertEqual(self.alice.timezone, "Europe/London")

    def test_it_rejects_malformed_json(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.patch(ME, "{'locale': 'es'}", content_type="application/json")
        self.assertEqual(r.status_code, 400)
        self.assertIn("malformed JSON", r.json()["detail"])
        self.assertEqual(User.objects.get(pk=self.alice.pk).locale, "en")

    def test_it_answers_404_in_json_for_an_unknown_api_path(self) -> None:
        for path in ["/api/v1/nothing-here", "/api/v1/me/extra", "/api/v2/me"]:
            r = self.client.get(path)
            self.assertEqual(r.status_code, 404, path)
            self.assertTrue(r["Content-Type"].startswith("application/json"), path)
            self.assertIn("detail", r.json())

    def test_it_answers_405_in_json(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(ME, "{}", content_type="application/json")
        self.assertEqual(r.status_code, 405)
        self.assertEqual(r.json(), {"detail": "method POST not allowed; use DELETE, GET, PATCH"})
