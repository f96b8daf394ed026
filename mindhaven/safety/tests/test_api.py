import json
from unittest import mock

from django.core.cache import cache

from mindhaven.core.testing import BaseTestCase
from mindhaven.safety import api as safety_api

URL = "/api/v1/safety/assess"


class AssessApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.alice)

    def post(self, body: object) -> object:
        return self.client.post(URL, json.dumps(body), content_type="application/json")

    def test_it_assesses(self) -> None:
        r = self.client.post(
            URL, {"text": "I want to kill myself", "locale": "en"}, content_type="application/json"
        )
        assert r.status_code == 200
        data = r.json()
        assert data["level"] == "urgent"
        assert data["reasons"][0]["category"] == "active_ideation"
        assert data["reasons"][0]["text"] == "kill myself"
        # alice's country is GB: its lines, then the international directory.
        assert [r["country"] for r in data["resources"][:-1]] == ["GB"]
        assert data["resources"][-1]["kind"] == "directory"
        assert data["emergency"]
        assert data["locale_used"] == "en"
        assert data["note"] is None

    def test_it_assesses_spanish(self) -> None:
        r = self.client.post(
            URL, {"text": "me quiero matar", "locale": "es"}, content_type="application/json"
        )
        assert r.json()["level"] == "urgent"
        assert r.json()["locale_used"] == "es"

    def test_it_reads_unknown_locales_as_english_and_says_so(self) -> None:
        r = self.client.post(
            URL, {"text": "I wish I was dead", "locale": "fr"}, content_type="application/json"
        )
        assert r.status_code == 200
        assert r.json()["level"] == "concern"
        assert r.json()["locale_used"] == "en"
        assert "fr" in r.json()["note"]

    def test_it_requires_authentication(self) -> None:
        self.client.logout()
        r = self.client.post(URL, {"text": "x"}, content_type="application/json")
        assert r.status_code == 401

    def test_it_rejects_long_text(self) -> None:
        r = self.client.post(URL, {"text": "a" * 20_001}, content_type="application/json")
        assert r.status_code == 422
        assert r.json()["detail"][0]["field"] == "text"

    def test_it_accepts_text_at_the_limit(self) -> None:
        r = self.client.post(URL, {"text": "a" * 20_000}, content_type="application/json")
        assert r.status_code == 200

    def test_it_rejects_invalid_utf8(self) -> None:
        r = self.client.post(URL, b'{"text": "\xff\xfe"}', content_type="application/json")
        assert r.status_code == 400
        assert "UTF-8" in r.json()["detail"]

    def test_it_rejects_missing_text(self) -> None:
        r = self.client.post(URL, {"locale": "en"}, content_type="application/json")
        assert r.status_code == 422
        assert r.json()["detail"][0]["field"] == "text"

    def test_it_limits_the_rate(self) -> None:
        with mock.patch.object(safety_api, "RATE_LIMIT", 3):
            codes = [
                self.client.post(URL, {"text": "hi"}, content_type="application/json").status_code
                for _ in range(4)
            ]
        assert codes == [200, 200, 200, 429]

    def test_it_limits_each_person_separately(self) -> None:
        with mock.patch.object(safety_api, "RATE_LIMIT", 1):
            self.client.post(URL, {"text": "hi"}, content_type="application/json")
            r = self.client.post(URL, {"text": "hi"}, content_type="application/json")
            assert r.status_code == 429
            assert "a minute" in r.json()["detail"]
            assert "Retry-After" in r
            self.client.force_login(self.charlie)
            r = self.client.post(URL, {"text": "hi"}, content_type="application/json")
            assert r.status_code == 200
