import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.test.client import Client
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.services import issue_token
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import Activity, MoodEntry

URL = "/api/v1/mood/entries"


class ApiClient:
    """The test client, signed in as one person with a bearer token."""

    def __init__(self, client: Client, user: User) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {issue_token(user=user, name='test')[1]}"}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body: Any) -> Any:
        return self.client.post(
            url, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def patch(self, url: str, body: Any) -> Any:
        return self.client.patch(
            url, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self.headers)


def entry(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "recorded_at": "2025-05-01T08:30:00+02:00", "mood": 4} | fields


def fields_of(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["detail"]]


class MoodApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.as_alice = ApiClient(self.client, self.alice)
        self.as_charlie = ApiClient(self.client, self.charlie)

    def test_it_creates_an_entry(self) -> None:
        body = entry(
            emotions=["calm", "grateful"],
            activities=["walk", "friends"],
            sleep_hours=7.5,
            note="Lunch with Sam.",
        )
        r = self.as_alice.post(URL, body)
        self.assertEqual(r.status_code, 201)
        self.assertEqual(
            r.json(),
            {
                "id": body["id"],
                "recorded_at": "2025-05-01T08:30:00+02:00",
                "mood": 4,
                "emotions": ["calm", "grateful"],
                "activities": ["walk", "friends"],
                "sleep_hours": 7.5,
                "note": "Lunch with Sam.",
            },
        )
        stored = MoodEntry.objects.get(code=body["id"])
        self.assertEqual(stored.member, self.alice)
        self.assertEqual(stored.recorded_at, datetime(2025, 5, 1, 6, 30, tzinfo=UTC))
        self.assertEqual(stored.recorded_offset_minutes, 120)

    def test_it_is_idempotent_on_the_id(self) -> None:
        body = entry(note="once")
        self.assertEqual(self.as_alice.post(URL, body).status_code, 201)
        r = self.as_alice.post(URL, body | {"mood": 1, "note": "changed"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["mood"], 4)
        self.assertEqual(r.json()["note"], "once")
        self.assertEqual(MoodEntry.objects.count(), 1)

    def test_it_refuses_an_id_that_charlie_used(self) -> None:
        body = entry(note="alice's")
        self.as_alice.post(URL, body)
        r = self.as_charlie.post(URL, body | {"note": "charlie's"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(fields_of(r), ["id"])
        self.assertNotIn("alice's", r.content.decode())
        self.assertEqual(MoodEntry.objects.get().note, "alice's")

    def test_it_keeps_a_negative_offset(self) -> None:
        r = self.as_alice.post(URL, entry(recorded_at="2025-01-01T23:15:00-05:30"))
        self.assertEqual(r.json()["recorded_at"], "2025-01-01T23:15:00-05:30")
        listed = self.as_alice.get(URL).json()["items"][0]
        self.assertEqual(listed["recorded_at"], "2025-01-01T23:15:00-05:30")

    def test_it_adds_new_activities_to_the_members_list(self) -> None:
        self.as_alice.post(URL, entry(activities=["  pottery ", "walk", "pottery"]))
        names = set(Activity.objects.filter(member=self.alice).values_list("name", flat=True))
        self.assertIn("pottery", names)
        self.assertIn("exercise", names)
        self.assertEqual(MoodEntry.objects.get().activities, ["pottery", "walk"])
        self.assertFalse(Activity.objects.filter(member=self.charlie).exists())

    def test_it_names_the_field_of_bad_input(self) -> None:
        future = (timezone.now() + timedelta(days=2)).isoformat()
        cases = [
            (entry(mood=0), "mood"),
            (entry(mood=6), "mood"),
            (entry(mood="great"), "mood"),
            (entry(recorded_at="2025-05-01T08:30:00"), "recorded_at"),
            (entry(recorded_at=future), "recorded_at"),
            (entry(colour="blue"), "colour"),
            (entry(note="x" * 10_001), "note"),
            (entry(sleep_hours=25), "sleep_hours"),
            (entry(id="not-a-uuid"), "id"),
            ({"recorded_at": "2025-05-01T08:30:00+02:00", "mood": 3}, "id"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=str(body)[:80]):
                r = self.as_alice.post(URL, body)
                self.assertEqual(r.status_code, 422)
                self.assertEqual(fields_of(r), [field])
        self.assertEqual(MoodEntry.objects.count(), 0)

    def test_it_accepts_a_note_of_exactly_the_limit(self) -> None:
        r = self.as_alice.post(URL, entry(note="x" * 10_000))
        self.assertEqual(r.status_code, 201)

    def test_it_requires_authentication(self) -> None:
        r = self.client.post(URL, json.dumps(entry()), content_type="application/json")
        self.assertEqual(r.status_code, 401)
        self.assertEqual(self.client.get(URL).status_code, 401)
