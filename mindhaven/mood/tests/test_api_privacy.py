import io
import uuid
from typing import Any

from django.urls import reverse

from mindhaven.accounts.services import PRIVACY_AGREEMENT_DETAIL, agree_to_privacy
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import MoodEntry
from mindhaven.mood.services import record_checkin
from mindhaven.mood.tests.test_api import URL, ApiClient, entry

DAYLIO = (
    "full_date,date,weekday,time,mood,activities,note\n2025-05-01,May 1,Thursday,08:30,good,,\n"
)


class ApiPrivacyTestCase(BaseTestCase):
    """API writes of a member's mood data need the privacy agreement, as the pages do."""

    def setUp(self) -> None:
        self.as_charlie = ApiClient(self.client, self.charlie)

    def assert_refused(self, response: Any) -> None:
        self.assertEqual(response.status_code, 403, response.content)
        self.assertEqual(response.json(), {"detail": PRIVACY_AGREEMENT_DETAIL})

    def test_it_names_where_to_agree(self) -> None:
        self.assertIn(reverse("accounts:privacy-agree"), PRIVACY_AGREEMENT_DETAIL)

    def test_it_refuses_writes_until_the_member_agrees(self) -> None:
        self.assert_refused(self.as_charlie.post(URL, entry()))
        self.assert_refused(self.as_charlie.post(URL + "/batch", {"entries": [entry()]}))
        upload = io.BytesIO(DAYLIO.encode())
        upload.name = "daylio_export.csv"
        r = self.client.post(
            "/api/v1/mood/import/daylio", {"file": upload}, headers=self.as_charlie.headers
        )
        self.assert_refused(r)
        self.assertFalse(MoodEntry.objects.exists())
        agree_to_privacy(user=self.charlie)
        self.assertEqual(self.as_charlie.post(URL, entry()).status_code, 201)

    def test_it_refuses_changes_but_not_reading_or_deleting(self) -> None:
        stored, _created = record_checkin(
            member=self.charlie,
            client_id=uuid.uuid4(),
            recorded_at=self.charlie.date_joined,
            mood=3,
            note="before",
        )
        self.assert_refused(self.as_charlie.patch(f"{URL}/{stored.code}", {"note": "after"}))
        self.assertEqual(MoodEntry.objects.get().note, "before")
        self.assertEqual(self.as_charlie.get(URL).status_code, 200)
        self.assertEqual(self.as_charlie.delete(f"{URL}/{stored.code}").status_code, 204)
        self.assertFalse(MoodEntry.objects.exists())

    def test_it_still_names_bad_input_first(self) -> None:
        r = self.as_charlie.post(URL, entry(mood=9))
        self.assertEqual(r.status_code, 422)
        self.assertEqual([e["field"] for e in r.json()["detail"]], ["mood"])

    def test_it_does_not_ask_other_roles_to_agree(self) -> None:
        r = ApiClient(self.client, self.bob).post(URL, entry())
        self.assertNotEqual(r.json().get("detail"), PRIVACY_AGREEMENT_DETAIL)
