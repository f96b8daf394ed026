import uuid
from unittest import mock

from django.utils import timezone

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood import services
from mindhaven.mood.models import MoodEntry
from mindhaven.safety import assess_text


class MoodWireInTestCase(BaseTestCase):
    def record(self, note: str) -> MoodEntry:
        entry, _ = services.record_checkin(
            member=self.alice,
            client_id=uuid.uuid4(),
            recorded_at=timezone.now(),
            mood=1,
            note=note,
        )
        return entry

    def test_it_stores_urgent_notes_and_their_level(self) -> None:
        entry = self.record("I want to kill myself tonight")
        entry.refresh_from_db()
        assert entry.note == "I want to kill myself tonight"
        assert entry.safety_level == "urgent"

    def test_it_assesses_each_note_once(self) -> None:
        with mock.patch("mindhaven.mood.services.assess_text", wraps=assess_text) as spy:
            self.record("I wish I was dead")
        spy.assert_called_once_with("I wish I was dead", locale=self.alice.locale)

    def test_it_does_not_assess_a_replayed_checkin_again(self) -> None:
        client_id, now = uuid.uuid4(), timezone.now()
        for _ in range(2):
            with mock.patch("mindhaven.mood.services.assess_text", wraps=assess_text) as spy:
                services.record_checkin(
                    member=self.alice, client_id=client_id, recorded_at=now, mood=2, note="x"
                )
        spy.assert_not_called()

    def test_it_reassesses_an_edited_note(self) -> None:
        entry = self.record("a calm day")
        assert entry.safety_level == "none"
        services.update_entry(entry=entry, note="I wish I was dead")
        entry.refresh_from_db()
        assert entry.safety_level == "concern"

    def test_it_keeps_the_api_response_unchanged(self) -> None:
        agree_to_privacy(user=self.alice)
        self.client.force_login(self.alice)
        r = self.client.post(
            "/api/v1/mood/entries",
            {
                "id": str(uuid.uuid4()),
                "recorded_at": "2025-05-01T08:30:00+02:00",
                "mood": 1,
                "note": "I want to kill myself",
            },
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
        assert "safety_level" not in r.json()
        assert MoodEntry.objects.get(member=self.alice).safety_level == "urgent"
