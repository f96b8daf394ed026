import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.test.client import Client
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy, issue_token
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
        # API writes of member data need the privacy agreement (decisions.md).
        agree_to_privacy(user=self.alice)
        agree_to_privacy(user=self.charlie)
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


class MoodBatchApiTestCase(BaseTestCase):
    url = URL + "/batch"

    def setUp(self) -> None:
        # API writes of member data need the privacy agreement (decisions.md).
        agree_to_privacy(user=self.alice)
        agree_to_privacy(user=self.charlie)
        self.as_alice = ApiClient(self.client, self.alice)

    def test_it_stores_valid_entries_and_names_each_bad_one(self) -> None:
        known = entry()
        self.as_alice.post(URL, known)
        body = {
            "entries": [
                entry(mood=1),
                entry(mood=7),
                known,
                entry(recorded_at="2025-05-01T08:30:00"),
                "not an entry",
                entry(note="x" * 10_001, extra=True),
                entry(mood=5, activities=["choir"]),
            ]
        }
        r = self.as_alice.post(self.url, body)
        self.assertEqual(r.status_code, 200)
        result = r.json()
        self.assertEqual((result["created"], result["existing"]), (2, 1))
        errors = {e["index"]: sorted(d["field"] for d in e["detail"]) for e in result["errors"]}
        self.assertEqual(
            errors, {1: ["mood"], 3: ["recorded_at"], 4: ["entry"], 5: ["extra", "note"]}
        )
        self.assertEqual(MoodEntry.objects.filter(member=self.alice).count(), 3)

    def test_it_counts_a_repeated_id_once(self) -> None:
        same = entry()
        r = self.as_alice.post(self.url, {"entries": [same, same]})
        self.assertEqual((r.json()["created"], r.json()["existing"]), (1, 1))
        r = self.as_alice.post(self.url, {"entries": [same]})
        self.assertEqual((r.json()["created"], r.json()["existing"]), (0, 1))

    def test_it_reports_a_service_error_at_its_index(self) -> None:
        future = (timezone.now() + timedelta(days=3)).isoformat()
        r = self.as_alice.post(self.url, {"entries": [entry(), entry(recorded_at=future)]})
        self.assertEqual(
            r.json()["errors"],
            [
                {
                    "index": 1,
                    "detail": [
                        {
                            "field": "recorded_at",
                            "message": "The time is more than a day in the future.",
                        }
                    ],
                }
            ],
        )

    def test_it_refuses_more_than_500(self) -> None:
        r = self.as_alice.post(self.url, {"entries": [entry() for _ in range(501)]})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(fields_of(r), ["entries"])
        self.assertEqual(MoodEntry.objects.count(), 0)

    def test_it_takes_500(self) -> None:
        r = self.as_alice.post(self.url, {"entries": [entry() for _ in range(500)]})
        self.assertEqual(r.json()["created"], 500)

    def test_it_refuses_unknown_fields_of_the_batch(self) -> None:
        r = self.as_alice.post(self.url, {"entries": [], "sync": True})
        self.assertEqual(r.status_code, 422)
        self.assertEqual(fields_of(r), ["sync"])


class MoodListApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        # API writes of member data need the privacy agreement (decisions.md).
        agree_to_privacy(user=self.alice)
        agree_to_privacy(user=self.charlie)
        self.as_alice = ApiClient(self.client, self.alice)
        self.as_charlie = ApiClient(self.client, self.charlie)
        self.ids = []
        for day in range(1, 8):
            body = entry(recorded_at=f"2025-03-0{day}T09:00:00+01:00", mood=1 + day % 5)
            self.as_alice.post(URL, body)
            self.ids.append(body["id"])
        # Two at the same instant: the cursor must not skip or repeat either.
        twin = entry(recorded_at="2025-03-04T08:00:00Z")
        self.as_alice.post(URL, twin)
        self.ids.insert(3, twin["id"])

    def test_it_pages_newest_first_with_a_cursor(self) -> None:
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            r = self.as_alice.get(URL, **params)
            self.assertEqual(r.status_code, 200)
            page = r.json()
            seen += [item["id"] for item in page["items"]]
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
        self.assertEqual(pages, 3)
        expected = [str(e.code) for e in MoodEntry.objects.order_by("-recorded_at", "-code")]
        self.assertEqual(seen, expected)
        self.assertEqual(sorted(seen), sorted(self.ids))

    def test_it_filters_by_time(self) -> None:
        r = self.as_alice.get(
            URL, **{"from": "2025-03-03T00:00:00+01:00", "to": "2025-03-05T00:00:00+01:00"}
        )
        times = [item["recorded_at"] for item in r.json()["items"]]
        # The first two are the same instant, sent with different offsets.
        self.assertEqual(sorted(times[:2]), ["2025-03-04T08:00:00Z", "2025-03-04T09:00:00+01:00"])
        self.assertEqual(times[2:], ["2025-03-03T09:00:00+01:00"])

    def test_it_names_bad_parameters(self) -> None:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
            ({"cursor": "nonsense"}, "cursor"),
            ({"from": "2025-03-03T00:00:00"}, "from"),
        ]
        for params, field in cases:
            with self.subTest(field=field):
                r = self.as_alice.get(URL, **params)
                self.assertEqual(r.status_code, 422)
                self.assertEqual(fields_of(r), [field])

    def test_it_hides_alices_entries_from_charlie(self) -> None:
        r = self.as_charlie.get(URL)
        self.assertEqual(r.json(), {"items": [], "next": None})


class MoodEntryApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        # API writes of member data need the privacy agreement (decisions.md).
        agree_to_privacy(user=self.alice)
        agree_to_privacy(user=self.charlie)
        self.as_alice = ApiClient(self.client, self.alice)
        self.as_charlie = ApiClient(self.client, self.charlie)
        self.body = entry(sleep_hours=6, note="before", emotions=["sad"])
        self.as_alice.post(URL, self.body)
        self.url = f"{URL}/{self.body['id']}"

    def test_it_patches_some_fields(self) -> None:
        r = self.as_alice.patch(self.url, {"mood": 2, "sleep_hours": None, "note": "after"})
        self.assertEqual(r.status_code, 200)
        got = r.json()
        self.assertEqual((got["mood"], got["sleep_hours"], got["note"]), (2, None, "after"))
        self.assertEqual(got["emotions"], ["sad"])
        self.assertEqual(got["recorded_at"], "2025-05-01T08:30:00+02:00")

    def test_it_patches_the_time_with_its_offset(self) -> None:
        r = self.as_alice.patch(self.url, {"recorded_at": "2025-05-02T10:00:00-03:00"})
        self.assertEqual(r.json()["recorded_at"], "2025-05-02T10:00:00-03:00")

    def test_it_names_bad_patch_fields_and_changes_nothing(self) -> None:
        for body, field in [
            ({"mood": 0}, "mood"),
            ({"mood": None}, "mood"),
            ({"recorded_at": None}, "recorded_at"),
            ({"recorded_at": "2025-05-02T10:00:00"}, "recorded_at"),
            ({"id": str(uuid.uuid4())}, "id"),
            ({"note": "y" * 10_001}, "note"),
        ]:
            with self.subTest(body=str(body)[:40]):
                r = self.as_alice.patch(self.url, body)
                self.assertEqual(r.status_code, 422)
                self.assertEqual(fields_of(r), [field])
        stored = MoodEntry.objects.get()
        self.assertEqual((stored.mood, stored.note), (4, "before"))

    def test_it_deletes(self) -> None:
        r = self.as_alice.delete(self.url)
        self.assertEqual(r.status_code, 204)
        self.assertFalse(MoodEntry.objects.exists())
        self.assertEqual(self.as_alice.delete(self.url).status_code, 404)

    def test_it_hides_alices_entry_from_charlie(self) -> None:
        self.assertEqual(self.as_charlie.patch(self.url, {"mood": 1}).status_code, 404)
        self.assertEqual(self.as_charlie.delete(self.url).status_code, 404)
        r = self.as_charlie.patch(f"{URL}/{uuid.uuid4()}", {"mood": 1})
        self.assertEqual(r.status_code, 404)
        stored = MoodEntry.objects.get()
        self.assertEqual(stored.mood, 4)

    def test_it_exports_csv(self) -> None:
        self.as_alice.post(
            URL,
            entry(
                recorded_at="2025-04-01T07:00:00-04:00",
                mood=2,
                activities=["work", "walk"],
                note='said "hi",\nthen left',
            ),
        )
        r = self.as_alice.get("/api/v1/mood/export.csv")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", r["Content-Disposition"])
        import csv
        import io

        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        self.assertEqual([row["mood"] for row in rows], ["2", "4"])
        self.assertEqual(rows[0]["recorded_at"], "2025-04-01T11:00:00+00:00")
        self.assertEqual(rows[0]["utc_offset_minutes"], "-240")
        self.assertEqual(rows[0]["activities"], "work | walk")
        self.assertEqual(rows[0]["note"], 'said "hi",\nthen left')
        self.assertEqual(rows[1]["sleep_hours"], "6.0")
        r = self.as_charlie.get("/api/v1/mood/export.csv")
        self.assertEqual(r.content.decode("utf-8-sig").count("\n"), 1)
