import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

from mindhaven.core.export import build_export
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.services import record_checkin


class MoodExportTestCase(BaseTestCase):
    def setUp(self) -> None:
        record_checkin(
            member=self.alice,
            client_id=uuid.uuid4(),
            recorded_at=datetime(2025, 2, 1, 9, 30, tzinfo=UTC),
            mood=3,
            activities=["walk", "work"],
            note="alice's private note",
        )

    def files(self, user: object) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(build_export(user))) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    def test_it_exports_entries_as_json_and_csv(self) -> None:
        files = self.files(self.alice)
        entries = json.loads(files["mood/entries.json"])
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["note"], "alice's private note")
        self.assertEqual(entries[0]["recorded_at"], "2025-02-01T09:30:00+00:00")
        self.assertEqual(entries[0]["activities"], ["walk", "work"])
        text = files["mood/entries.csv"].decode("utf-8-sig")
        self.assertTrue(text.startswith("id,recorded_at,utc_offset_minutes,mood,"))
        self.assertIn("walk | work", text)
        lists = json.loads(files["mood/lists.json"])
        self.assertIn("walk", [a["name"] for a in lists["activities"]])
        self.assertIn("mood/entries.csv", files["README.txt"].decode())

    def test_it_exports_nothing_of_alices_for_charlie(self) -> None:
        files = self.files(self.charlie)
        self.assertEqual(json.loads(files["mood/entries.json"]), [])
        self.assertNotIn(b"alice's private note", b"".join(files.values()))
