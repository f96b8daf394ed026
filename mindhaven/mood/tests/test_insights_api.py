"""GET /api/v1/mood/insights and the page /mood/insights/."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.core.cache import cache

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood import insights_service
from mindhaven.mood.models import MoodEntry
from mindhaven.mood.tests.test_api import ApiClient, entry

URL = "/api/v1/mood/insights"
PAGE = "/mood/insights/"
KEYS = {
    "factor",
    "kind",
    "lag_days",
    "effect",
    "ci",
    "p_value",
    "q_value",
    "n_with",
    "n_without",
    "summary",
}


def add_days(member: User, days: int = 120, *, seed: int = 1) -> None:
    """A season of daily check-ins in which `swimming` goes with a mood 1.5 points higher."""
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, 18, tzinfo=UTC)
    rows = []
    for day in range(days):
        swim = bool(rng.random() < 0.4)
        mood = int(np.clip(round(2.5 + 1.5 * swim + rng.normal(0, 0.6)), 1, 5))
        rows.append(
            MoodEntry(
                code=uuid.uuid4(),
                member=member,
                recorded_at=start + timedelta(days=day),
                recorded_offset_minutes=-300,
                mood=mood,
                activities=["swimming"] if swim else ["reading"] if day % 2 else [],
                sleep_hours=None,
            )
        )
    MoodEntry.objects.bulk_create(rows)


class InsightsApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        # API writes of member data need the privacy agreement (decisions.md).
        agree_to_privacy(user=self.alice)
        agree_to_privacy(user=self.charlie)
        cache.clear()
        self.as_alice = ApiClient(self.client, self.alice)
        self.as_charlie = ApiClient(self.client, self.charlie)

    def test_it_returns_nothing_without_entries(self) -> None:
        response = self.as_alice.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"entries_considered": 0, "insights": [], "explored": []})

    def test_it_finds_a_pattern_in_the_members_data(self) -> None:
        add_days(self.alice)
        body = self.as_alice.get(URL).json()
        self.assertEqual(body["entries_considered"], 120)
        (swimming,) = [
            row for row in body["insights"] if row["factor"] == "swimming" and row["lag_days"] == 0
        ]
        self.assertEqual(set(swimming), KEYS)
        self.assertEqual(swimming["kind"], "activity")
        self.assertGreater(swimming["effect"], 1.0)
        self.assertLess(swimming["ci"][0], swimming["effect"])
        self.assertLessEqual(swimming["q_value"], 0.05)
        self.assertEqual(swimming["n_with"] + swimming["n_without"], 120)
        self.assertTrue(swimming["summary"].startswith("On days with swimming your mood was about"))
        for row in body["insights"] + body["explored"]:
            self.assertEqual(set(row), KEYS)
            self.assertIn(row["kind"], {"activity", "sleep", "weekday", "trend"})
        self.assertTrue(all(row["q_value"] > 0.05 for row in body["explored"]))

    def test_it_uses_the_local_date_of_each_entry(self) -> None:
        # 23:30 at UTC-5 is the next day in UTC: both check-ins belong to 1 March locally.
        for at, mood in (("2025-03-01T08:00:00-05:00", 1), ("2025-03-01T23:30:00-05:00", 5)):
            self.as_alice.post("/api/v1/mood/entries", entry(recorded_at=at, mood=mood))
        days, moods, _activities, _sleep = insights_service.load_checkins(self.alice)
        self.assertEqual(days, [date(2025, 3, 1).toordinal()] * 2)
        self.assertEqual(sorted(moods), [1, 5])

    def test_it_recomputes_when_entries_change(self) -> None:
        add_days(self.alice, 40)
        self.assertEqual(self.as_alice.get(URL).json()["entries_considered"], 40)
        with self.assertNumQueries(2):  # the token and the data version: the rest is cached
            self.as_alice.client.get(URL, headers=self.as_alice.headers)
        created = self.as_alice.post(
            "/api/v1/mood/entries", entry(recorded_at="2025-03-01T12:00:00+00:00")
        )
        self.assertEqual(self.as_alice.get(URL).json()["entries_considered"], 41)
        code = created.json()["id"]
        self.as_alice.patch(f"/api/v1/mood/entries/{code}", {"mood": 1})
        before = self.as_alice.get(URL).json()
        self.as_alice.patch(f"/api/v1/mood/entries/{code}", {"activities": ["swimming"]})
        self.assertNotEqual(self.as_alice.get(URL).json(), before)
        self.as_alice.delete(f"/api/v1/mood/entries/{code}")
        self.assertEqual(self.as_alice.get(URL).json()["entries_considered"], 40)

    def test_it_shows_charlie_only_his_own(self) -> None:
        add_days(self.alice)
        body = self.as_charlie.get(URL).json()
        self.assertEqual(body, {"entries_considered": 0, "insights": [], "explored": []})
        add_days(self.charlie, 30, seed=2)
        body = self.as_charlie.get(URL).json()
        self.assertEqual(body["entries_considered"], 30)
        self.assertEqual(self.as_alice.get(URL).json()["entries_considered"], 120)

    def test_it_requires_authentication(self) -> None:
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_it_rejects_writes(self) -> None:
        response = self.as_alice.post(URL, {"anything": 1})
        self.assertEqual(response.status_code, 405)

    def test_it_words_summaries_in_spanish(self) -> None:
        add_days(self.alice)
        response = self.as_alice.client.get(
            URL, headers=self.as_alice.headers | {"Accept-Language": "es"}
        )
        summaries = [row["summary"] for row in response.json()["insights"]]
        self.assertTrue(any(s.startswith("Los días con swimming") for s in summaries), summaries)


class InsightsPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def get(self, user: User | None) -> Any:
        if user is not None:
            self.client.force_login(user)
        return self.client.get(PAGE)

    def test_it_shows_findings_with_intervals(self) -> None:
        add_days(self.alice)
        response = self.get(self.alice)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("On days with swimming your mood was about", html)
        self.assertIn("<svg", html)
        self.assertIn("95% confidence interval from", html)
        self.assertIn("<table>", html)
        self.assertIn("not causes", html)
        self.assertIn("<details>", html)
        # Strict CSP: no inline scripts or styles.
        self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)", html))
        self.assertNotIn("style=", html)
        self.assertNotIn("<style", html)

    def test_it_explains_when_there_is_no_data(self) -> None:
        response = self.get(self.alice)
        self.assertContains(response, "No check-ins yet")
        self.assertNotContains(response, "<svg")

    def test_it_hides_alices_data_from_charlie(self) -> None:
        add_days(self.alice)
        response = self.get(self.charlie)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "swimming")
        self.assertContains(response, "No check-ins yet")

    def test_it_sends_visitors_to_sign_in(self) -> None:
        response = self.get(None)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))

    def test_it_rejects_post(self) -> None:
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(PAGE).status_code, 405)

    def test_it_is_linked_from_the_mood_page(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/mood/"), f'href="{PAGE}"')

    def test_it_is_translated(self) -> None:
        add_days(self.alice)
        self.alice.locale = "es"
        self.alice.save(update_fields=["locale"])
        response = self.get(self.alice)
        self.assertContains(response, "Qué va junto a tu estado de ánimo")
        self.assertContains(response, "no causas")
