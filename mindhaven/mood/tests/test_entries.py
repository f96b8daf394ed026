import uuid
from datetime import UTC, datetime

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import MoodEntry
from mindhaven.mood.services import record_checkin


class EntriesPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.older, _ = record_checkin(
            member=self.alice,
            client_id=uuid.uuid4(),
            recorded_at=datetime(2025, 7, 1, 8, 15, tzinfo=UTC),
            mood=2,
            note="alice's older note",
        )
        self.newer, _ = record_checkin(
            member=self.alice,
            client_id=uuid.uuid4(),
            recorded_at=datetime(2025, 7, 2, 20, 0, tzinfo=UTC),
            mood=5,
            activities=["walk"],
        )
        self.client.force_login(self.alice)

    def test_it_lists_entries_newest_first_in_the_members_zone(self) -> None:
        r = self.client.get("/mood/entries/")
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertLess(
            html.index(f"entry-{self.newer.code}"), html.index(f"entry-{self.older.code}")
        )
        # 08:15 UTC is 09:15 in London in July.
        self.assertContains(r, "9:15")
        self.assertContains(r, "alice&#x27;s older note")
        self.assertContains(r, f"/mood/entries/{self.older.code}/edit/")

    def test_it_shows_recent_entries_on_the_home_page(self) -> None:
        r = self.client.get("/mood/")
        self.assertContains(r, 'href="/mood/check-in/"')
        self.assertContains(r, f"entry-{self.newer.code}")

    def test_it_hides_alices_entries_from_charlie(self) -> None:
        self.client.force_login(self.charlie)
        agree_to_privacy(user=self.charlie)
        for url in ("/mood/", "/mood/entries/"):
            r = self.client.get(url)
            self.assertNotContains(r, "alice&#x27;s older note")
            self.assertNotContains(r, str(self.older.code))
        for url in (
            f"/mood/entries/{self.older.code}/edit/",
            f"/mood/entries/{self.older.code}/delete/",
        ):
            self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(self.client.post(url, {"mood": "1"}).status_code, 404)
        self.assertEqual(MoodEntry.objects.filter(member=self.alice).count(), 2)

    def test_it_edits_an_entry_keeping_its_time(self) -> None:
        url = f"/mood/entries/{self.older.code}/edit/"
        # The page shows the time in alice's zone: 08:15 UTC is 09:15 in London.
        self.assertContains(self.client.get(url), 'value="2025-07-01T09:15"')
        data = {
            "id": str(self.older.code),
            "mood": "3",
            "note": "changed",
            "recorded_at": "2025-07-01T09:15",
        }
        r = self.client.post(url, data)
        self.assertRedirects(r, "/mood/entries/")
        self.older.refresh_from_db()
        self.assertEqual((self.older.mood, self.older.note), (3, "changed"))
        self.assertEqual(self.older.recorded_at, datetime(2025, 7, 1, 8, 15, tzinfo=UTC))
        self.assertEqual(self.older.recorded_offset_minutes, 0)

    def test_it_moves_an_entry_to_a_new_time_in_the_members_zone(self) -> None:
        url = f"/mood/entries/{self.older.code}/edit/"
        data = {"id": str(self.older.code), "mood": "2", "recorded_at": "2025-01-10T18:30"}
        self.assertRedirects(self.client.post(url, data), "/mood/entries/")
        self.older.refresh_from_db()
        self.assertEqual(self.older.recorded_at, datetime(2025, 1, 10, 18, 30, tzinfo=UTC))
        self.assertEqual(self.older.recorded_offset_minutes, 0)

    def test_it_shows_errors_when_editing_and_changes_nothing(self) -> None:
        url = f"/mood/entries/{self.older.code}/edit/"
        r = self.client.post(url, {"id": str(self.older.code), "mood": "8", "note": "changed"})
        self.assertEqual(r.status_code, 400)
        self.older.refresh_from_db()
        self.assertEqual((self.older.mood, self.older.note), (2, "alice's older note"))

    def test_it_deletes_after_confirming(self) -> None:
        url = f"/mood/entries/{self.older.code}/delete/"
        self.assertContains(self.client.get(url), "This cannot be undone")
        self.assertTrue(MoodEntry.objects.filter(pk=self.older.pk).exists())
        r = self.client.post(url)
        self.assertRedirects(r, "/mood/entries/")
        self.assertFalse(MoodEntry.objects.filter(pk=self.older.pk).exists())
