from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import MoodEntry

FIXTURES = Path(__file__).parent / "fixtures" / "daylio"
UPLOADS = Path(settings.DATA_DIR) / "imports"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("daylio_export.csv", (FIXTURES / name).read_bytes(), "text/csv")


@override_settings(LANGUAGE_CODE="en")
class DaylioImportPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.client.force_login(self.alice)

    def send(self, name: str, timezone: str = "Europe/London") -> Any:
        return self.client.post("/mood/import/", {"file": upload(name), "timezone": timezone})

    def uploads(self) -> list[Path]:
        return list(UPLOADS.glob("*.daylio")) if UPLOADS.exists() else []

    def tearDown(self) -> None:
        session = self.client.session.get("mood_import")
        if session:
            (UPLOADS / f"{session['token']}.daylio").unlink(missing_ok=True)

    def test_it_shows_the_upload_form(self) -> None:
        response = self.client.get("/mood/import/")
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, '<option value="Europe/London" selected>')
        self.assertContains(response, "mood/import.js")

    def test_it_is_linked_from_the_mood_page(self) -> None:
        self.assertContains(self.client.get("/mood/"), 'href="/mood/import/"')

    def test_it_previews_the_file(self) -> None:
        response = self.send("year_english.csv")
        self.assertRedirects(response, "/mood/import/preview/")
        response = self.client.get("/mood/import/preview/")
        self.assertContains(response, "<dd>4</dd>", html=False)
        self.assertContains(response, "<code>year,date,weekday,time,mood,activities,note</code>")
        self.assertContains(response, "Line 4")  # the short row
        self.assertContains(response, "reading, swimming")
        self.assertContains(response, "Import 4 entries")
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_keeps_the_upload_encrypted(self) -> None:
        self.send("year_english.csv")
        [path] = self.uploads()
        self.assertNotIn("Lake was cold", path.read_text())

    def test_it_asks_the_level_of_unknown_labels(self) -> None:
        self.send("note_title.csv")
        response = self.client.get("/mood/import/preview/")
        self.assertContains(response, '<label for="id_level_0">Great day:</label>', html=True)
        self.assertContains(response, '<label for="id_level_1">so-so:</label>', html=True)
        response = self.client.post("/mood/import/preview/", {"level_0": "5"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Nothing was imported", status_code=400)
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_imports_on_confirm_and_shows_a_summary(self) -> None:
        self.send("note_title.csv")
        response = self.client.post("/mood/import/preview/", {"level_0": "5", "level_1": "3"})
        self.assertRedirects(response, "/mood/import/done/")
        self.assertEqual(sorted(MoodEntry.objects.values_list("mood", flat=True)), [3, 3, 5])
        self.assertEqual(self.uploads(), [])
        response = self.client.get("/mood/import/done/")
        self.assertContains(response, "3 entries were imported.")
        self.assertContains(response, "Your uploaded file has been deleted.")

    def test_it_counts_duplicates_in_the_summary(self) -> None:
        for _ in range(2):
            self.send("full_date_12h.csv")
            self.client.post("/mood/import/preview/", {"confirm": ""})
        response = self.client.get("/mood/import/done/")
        self.assertContains(response, "0 entries were imported.")
        self.assertContains(response, "4 entries were already here")
        self.assertEqual(MoodEntry.objects.count(), 4)

    def test_it_cancels_and_deletes_the_file(self) -> None:
        self.send("full_date_12h.csv")
        response = self.client.post("/mood/import/preview/", {"cancel": ""})
        self.assertRedirects(response, "/mood/")
        self.assertEqual(self.uploads(), [])
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_shows_the_error_of_a_bad_file(self) -> None:
        response = self.send("not_daylio.csv")
        self.assertContains(response, "Line 1:", status_code=400)
        self.assertContains(response, "does not look like a Daylio export", status_code=400)
        self.assertEqual(self.uploads(), [])

    def test_it_rejects_a_bad_time_zone(self) -> None:
        response = self.send("full_date_12h.csv", timezone="Mars/Olympus_Mons")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.uploads(), [])

    def test_it_sends_back_to_upload_without_a_file(self) -> None:
        response = self.client.get("/mood/import/preview/")
        self.assertRedirects(response, "/mood/import/")
        self.assertRedirects(self.client.get("/mood/import/done/"), "/mood/import/")

    def test_it_asks_for_the_privacy_agreement_first(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get("/mood/import/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/privacy/agree/"))

    def test_it_does_not_show_alices_upload_to_charlie(self) -> None:
        self.send("full_date_12h.csv")
        agree_to_privacy(user=self.charlie)
        self.client.force_login(self.charlie)
        self.assertRedirects(self.client.get("/mood/import/preview/"), "/mood/import/")
        self.client.post("/mood/import/preview/", {"confirm": ""})
        self.assertFalse(MoodEntry.objects.filter(member=self.charlie).exists())
        self.assertNotContains(self.client.get("/mood/entries/"), "Planted beans")
        for path in self.uploads():
            path.unlink()

    def test_it_speaks_spanish(self) -> None:
        self.client.cookies["django_language"] = "es"
        response = self.client.get("/mood/import/", headers={"accept-language": "es"})
        self.assertContains(response, "Importar desde Daylio")
