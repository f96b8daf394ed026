import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from mindhaven.accounts.services import agree_to_privacy, issue_token
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood import imports
from mindhaven.mood.models import Activity, MoodEntry

URL = "/api/v1/mood/import/daylio"
FIXTURES = Path(__file__).parent / "fixtures" / "daylio"


class DaylioImportApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        # API writes of member data need the privacy agreement (decisions.md).
        agree_to_privacy(user=self.alice)
        agree_to_privacy(user=self.charlie)

    def post(self, name: str | None, user: Any = None, **fields: str) -> Any:
        token = issue_token(user=user or self.alice, name="test")[1]
        data: dict[str, Any] = dict(fields)
        if name is not None:
            content = (FIXTURES / name).read_bytes() if "\n" not in name else name.encode()
            data["file"] = SimpleUploadedFile("daylio_export.csv", content, "text/csv")
        return self.client.post(URL, data, headers={"Authorization": f"Bearer {token}"})

    def test_it_imports_a_file(self) -> None:
        response = self.post("full_date_12h.csv", timezone="Europe/Madrid")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"imported": 4, "duplicates": 0, "warnings": []})
        first = MoodEntry.objects.filter(member=self.alice).order_by("-recorded_at").first()
        assert first is not None
        self.assertEqual(first.mood, 4)
        self.assertEqual(first.activities, ["garden", "family"])
        self.assertEqual(first.note, "Planted beans")
        self.assertEqual(first.recorded_offset_minutes, 120)
        self.assertEqual(first.recorded_at, datetime(2022, 4, 10, 15, 1, tzinfo=UTC))
        self.assertTrue(Activity.objects.filter(member=self.alice, name="garden").exists())

    def test_it_uses_the_members_time_zone_by_default(self) -> None:
        self.assertEqual(self.post("scales.csv").status_code, 200)
        entry = MoodEntry.objects.get(member=self.alice, mood=4)
        self.assertEqual(entry.recorded_offset_minutes, 60)  # Europe/London in June

    def test_it_imports_nothing_the_second_time(self) -> None:
        self.post("full_date_12h.csv")
        response = self.post("full_date_12h.csv", timezone="America/New_York")
        self.assertEqual(response.json(), {"imported": 0, "duplicates": 4, "warnings": []})
        self.assertEqual(MoodEntry.objects.filter(member=self.alice).count(), 4)

    def test_it_counts_identical_rows_once(self) -> None:
        response = self.post("duplicate_rows.csv")
        self.assertEqual(response.json()["imported"], 2)
        self.assertEqual(response.json()["duplicates"], 1)

    def test_it_reports_short_rows_as_warnings(self) -> None:
        response = self.post("year_english.csv")
        body = response.json()
        self.assertEqual(body["imported"], 4)
        self.assertEqual(len(body["warnings"]), 2)
        self.assertTrue(body["warnings"][0].startswith("Line 4"))

    def test_it_refuses_unknown_moods_and_writes_nothing(self) -> None:
        response = self.post("note_title.csv")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["unknown_moods"], ["Great day", "so-so"])
        self.assertEqual(response.json()["detail"][0]["field"], "mood_map")
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_uses_the_mood_map(self) -> None:
        mood_map = json.dumps({"great day": 5, "So-So": 3})
        response = self.post("note_title.csv", mood_map=mood_map)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["imported"], 3)
        levels = sorted(MoodEntry.objects.values_list("mood", flat=True))
        self.assertEqual(levels, [3, 3, 5])

    def test_it_lets_the_mood_map_override_a_default(self) -> None:
        self.post("scales.csv", mood_map=json.dumps({"good": 5}))
        self.assertEqual(sorted(MoodEntry.objects.values_list("mood", flat=True)), [1, 5])

    def test_it_names_the_line_of_a_file_that_is_not_daylio(self) -> None:
        response = self.post("not_daylio.csv")
        self.assertEqual(response.status_code, 422)
        error = response.json()["detail"][0]
        self.assertEqual((error["field"], error["line"]), ("file", 1))
        self.assertIn("full_date,date,weekday,time,mood", error["message"])
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_writes_nothing_when_a_later_line_is_bad(self) -> None:
        response = self.post("bad_time.csv")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["detail"][0]["line"], 3)
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_rejects_a_bad_time_zone(self) -> None:
        response = self.post("scales.csv", timezone="Mars/Olympus_Mons")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["detail"][0]["field"], "timezone")
        response = self.post("scales.csv", timezone="../../etc/passwd")
        self.assertEqual(response.json()["detail"][0]["field"], "timezone")
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_rejects_a_bad_mood_map(self) -> None:
        for mood_map in ("{not json", "[1, 2]", '{"so-so": 6}', '{"so-so": true}'):
            response = self.post("note_title.csv", mood_map=mood_map)
            self.assertEqual(response.status_code, 422, mood_map)
            self.assertEqual(response.json()["detail"][0]["field"], "mood_map")
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_requires_the_file(self) -> None:
        response = self.post(None)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["detail"][0]["field"], "file")

    def test_it_refuses_a_file_over_the_size_limit(self) -> None:
        header = "full_date,date,weekday,time,mood,activities,note\n"
        big = header + "x" * (imports.MAX_FILE_BYTES + 1)
        response = self.post(big)
        self.assertEqual(response.status_code, 413)
        self.assertIn("MB", response.json()["detail"][0]["message"])

    def test_it_warns_about_dst_gaps_and_overlaps(self) -> None:
        response = self.post("dst_london.csv", timezone="Europe/London")
        warnings = response.json()["warnings"]
        self.assertEqual(len(warnings), 2)
        self.assertIn("first time", warnings[0])
        self.assertIn("02:30", warnings[1])
        times = {
            entry.mood: entry.recorded_at_with_offset.isoformat()
            for entry in MoodEntry.objects.all()
        }
        self.assertEqual(times[4], "2021-10-31T01:30:00+01:00")
        self.assertEqual(times[3], "2021-03-28T02:30:00+01:00")

    def test_it_needs_a_signed_in_member(self) -> None:
        response = self.client.post(URL, {})
        self.assertEqual(response.status_code, 401)

    def test_it_hides_imported_entries_from_charlie(self) -> None:
        self.post("full_date_12h.csv")
        token = issue_token(user=self.charlie, name="test")[1]
        response = self.client.get(
            "/api/v1/mood/entries", headers={"Authorization": f"Bearer {token}"}
        )
        self.assertEqual(response.json()["items"], [])
        code = MoodEntry.objects.filter(member=self.alice).first().code  # type: ignore[union-attr]
        response = self.client.patch(
            f"/api/v1/mood/entries/{code}",
            "{}",
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.assertEqual(response.status_code, 404)

    def test_it_keeps_charlies_import_apart_from_alices(self) -> None:
        self.post("full_date_12h.csv")
        response = self.post("full_date_12h.csv", user=self.charlie)
        self.assertEqual(response.json()["imported"], 4)
        self.assertEqual(MoodEntry.objects.filter(member=self.charlie).count(), 4)
        self.assertEqual(MoodEntry.objects.filter(member=self.alice).count(), 4)
