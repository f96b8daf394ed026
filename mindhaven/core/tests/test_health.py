from unittest import mock

from django.db import OperationalError
from django.test import override_settings

from mindhaven.core.testing import BaseTestCase

# A port nothing listens on: connections are refused at once.
CLOSED_REDIS = "redis://127.0.0.1:1/0"
BROKEN_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CLOSED_REDIS,
    }
}
BROKEN_CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [CLOSED_REDIS]},
    }
}


class HealthTestCase(BaseTestCase):
    url = "/healthz"

    def test_it_reports_every_part_ok(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            r.json(), {"status": "ok", "database": "ok", "channel_layer": "ok", "cache": "ok"}
        )
        self.assertIn("no-cache", r["Cache-Control"])

    def test_it_is_public(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)

    def test_it_answers_the_same_when_signed_in(self) -> None:
        # Charlie, like anyone, learns nothing but the parts' states.
        self.client.force_login(self.charlie)
        r = self.client.get(self.url)
        self.assertEqual(set(r.json()), {"status", "database", "channel_layer", "cache"})

    @override_settings(CACHES=BROKEN_CACHES)
    def test_it_names_a_broken_cache(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 503)
        body = r.json()
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["cache"], "error: ConnectionError")
        self.assertEqual(body["database"], "ok")
        self.assertEqual(body["channel_layer"], "ok")
        self.assertNotIn("127.0.0.1", r.content.decode())

    @override_settings(CHANNEL_LAYERS=BROKEN_CHANNEL_LAYERS)
    def test_it_names_a_broken_channel_layer(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 503)
        body = r.json()
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["channel_layer"], "error: ConnectionError")
        self.assertEqual(body["cache"], "ok")
        self.assertNotIn("redis://", r.content.decode())

    def test_it_names_a_broken_database(self) -> None:
        # Django cannot swap DATABASES under a running test, so the cursor fails instead.
        with mock.patch(
            "mindhaven.core.health.connection.cursor",
            side_effect=OperationalError("could not connect to server"),
        ):
            r = self.client.get(self.url)
        self.assertEqual(r.status_code, 503)
        body = r.json()
        self.assertEqual(body["database"], "error: OperationalError")
        self.assertEqual(body["status"], "error")
        self.assertNotIn("could not connect", r.content.decode())

    def test_it_rejects_post(self) -> None:
        r = self.client.post(self.url)
        self.assertEqual(r.status_code, 405)
