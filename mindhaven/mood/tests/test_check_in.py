import uuid
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import BaseTestCase, make_user
from mindhaven.mood.models import Activity, MoodEntry

URL = "/mood/check-in/"


class CheckInTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.client.force_login(self.alice)

    def form_id(self) -> str:
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        return str(r.context["form"]["id"].value())

    def test_it_saves_mood_alone_in_two_interactions(self) -> None:
        # Choose a mood, press save: the other fields stay as the page sent them.
        r = self.client.get(URL)
        form = r.context["form"]
        data = {"id": form["id"].value(), "mood": "4", "recorded_at": ""}
        r = self.client.post(URL, data)
        self.assertRedirects(r, "/mood/")
        entry = MoodEntry.objects.get()
        self.assertEqual((entry.member, entry.mood, entry.note), (self.alice, 4, ""))
        self.assertLess(abs((timezone.now() - entry.recorded_at).total_seconds()), 60)

    def test_it_is_idempotent_on_a_double_submit(self) -> None:
        data = {"id": self.form_id(), "mood": "2"}
        self.client.post(URL, data)
        r = self.client.post(URL, data)
        self.assertRedirects(r, "/mood/")
        self.assertEqual(MoodEntry.objects.count(), 1)

    def test_it_renders_an_accessible_radio_group(self) -> None:
        r = self.client.get(URL)
        html = r.content.decode()
        self.assertInHTML("<legend>How are you feeling?</legend>", html)
        for value, word in enumerate(["Awful", "Bad", "Okay", "Good", "Great"], start=1):
            self.assertIn(
                f'<input type="radio" name="mood" id="mood-{value}" value="{value}"', html
            )
            self.assertIn(f'<label class="mood-option" for="mood-{value}">', html)
            self.assertIn(f'<span class="mood-word">{word}</span>', html)
        # The faces are decoration: screen readers read the word.
        self.assertEqual(html.count('<span class="mood-face" aria-hidden="true">'), 5)
        self.assertIn('<fieldset class="mood-scale">', html)
        self.assertIn('type="module" src="/static/mood/checkin.js"', html)
        self.assertNotIn("onclick", html)
        self.assertNotIn("style=", html)

    def test_it_generates_a_new_id_for_each_page(self) -> None:
        self.assertNotEqual(self.form_id(), self.form_id())

    def test_it_reads_the_time_in_the_members_zone(self) -> None:
        # alice lives in Europe/London: 09:15 in July is 08:15 UTC, offset +60.
        data = {"id": self.form_id(), "mood": "3", "recorded_at": "2025-07-01T09:15"}
        self.client.post(URL, data)
        entry = MoodEntry.objects.get()
        self.assertEqual(entry.recorded_at, datetime(2025, 7, 1, 8, 15, tzinfo=UTC))
        self.assertEqual(entry.recorded_offset_minutes, 60)

    def test_it_saves_the_details(self) -> None:
        data = {
            "id": self.form_id(),
            "mood": "5",
            "emotions": ["calm", "proud"],
            "activities": ["walk"],
            "new_activities": "pottery, choir ",
            "sleep_hours": "7.5",
            "note": "A good day.",
        }
        self.client.post(URL, data)
        entry = MoodEntry.objects.get()
        self.assertEqual(entry.emotions, ["calm", "proud"])
        self.assertEqual(entry.activities, ["walk", "pottery", "choir"])
        self.assertEqual(entry.sleep_hours, 7.5)
        self.assertEqual(entry.note, "A good day.")
        self.assertTrue(Activity.objects.filter(member=self.alice, name="choir").exists())

    def test_it_shows_errors_and_saves_nothing(self) -> None:
        cases: list[dict[str, Any]] = [
            {"mood": ""},
            {"mood": "9"},
            {"mood": "3", "sleep_hours": "30"},
            {"mood": "3", "note": "x" * 10_001},
            {"mood": "3", "recorded_at": "2999-01-01T10:00"},
            {"mood": "3", "emotions": ["not on the list"]},
        ]
        for data in cases:
            with self.subTest(data=str(data)[:60]):
                r = self.client.post(URL, {"id": str(uuid.uuid4()), **data})
                self.assertEqual(r.status_code, 400)
                self.assertContains(r, "Nothing was saved", status_code=400)
                self.assertContains(r, 'role="alert"', status_code=400)
        self.assertEqual(MoodEntry.objects.count(), 0)

    def test_it_asks_for_the_privacy_agreement_first(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)
        self.assertIn("next=%2Fmood%2Fcheck-in%2F", r["Location"])

    def test_it_speaks_spanish(self) -> None:
        elena = make_user("elena", locale="es")
        agree_to_privacy(user=elena)
        self.client.force_login(elena)
        r = self.client.get(URL)
        self.assertContains(r, "¿Cómo te sientes?")
        self.assertContains(r, '<span class="mood-word">Genial</span>', html=False)
        # Her default lists are created in her language.
        self.assertContains(r, "ejercicio")
        self.assertContains(r, "tristeza")

    def test_it_requires_login(self) -> None:
        self.client.logout()
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
