"""/mood/settings/, the snooze page, the streak on /mood/ and GET/PUT /api/v1/mood/settings."""

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from unittest import mock

from django.http.response import HttpResponseBase
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.services import issue_token
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import ReminderSetting
from mindhaven.mood.services import record_checkin

PAGE = "/mood/settings/"
SNOOZE = "/mood/reminders/snooze/"
API = "/api/v1/mood/settings"
NOW = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # 08:00 in London
VALID = {
    "reminder_enabled": True,
    "reminder_time": "09:30",
    "reminder_email": True,
    "show_streak": True,
}


def text(response: HttpResponseBase) -> str:
    return getattr(response, "content", b"").decode()


class MoodSettingsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.clock = mock.patch.object(timezone, "now", return_value=NOW)
        self.clock.start()
        self.addCleanup(self.clock.stop)
        self.client.force_login(self.alice)

    def put(self, user: User, body: Any) -> Any:
        token = issue_token(user=user, name="test")[1]
        return self.client.put(
            API,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    def get_api(self, user: User) -> Any:
        token = issue_token(user=user, name="test")[1]
        return self.client.get(API, headers={"Authorization": f"Bearer {token}"})

    # --- the page --------------------------------------------------------------------

    def test_it_starts_with_everything_off(self) -> None:
        response = self.client.get(PAGE)
        self.assertEqual(response.status_code, 200)
        page = text(response)
        self.assertIn("Europe/London", page)
        self.assertNotIn('name="enabled" checked', page)
        self.assertNotIn('name="show_streak" checked', page)
        self.assertFalse(ReminderSetting.objects.exists())  # reading writes nothing

    def test_it_saves_the_settings(self) -> None:
        data = {"enabled": "on", "local_time": "09:30", "email_enabled": "on", "show_streak": "on"}
        response = self.client.post(PAGE, data)
        self.assertRedirects(response, PAGE)
        setting = ReminderSetting.objects.get(member=self.alice)
        self.assertEqual(
            (setting.enabled, setting.local_time, setting.email_enabled, setting.show_streak),
            (True, time(9, 30), True, True),
        )
        page = text(self.client.get(PAGE))
        self.assertIn("Your next reminder", page)
        self.assertIn("09:30", page)

    def test_it_rejects_a_bad_time_and_changes_nothing(self) -> None:
        ReminderSetting.objects.create(member=self.alice, enabled=True, local_time=time(8, 0))
        response = self.client.post(PAGE, {"enabled": "", "local_time": "25:00"})
        self.assertEqual(response.status_code, 400)
        page = text(response)
        self.assertIn("Nothing was changed", page)
        self.assertIn("HH:MM", page)
        self.assertIn('href="#id_local_time"', page)
        setting = ReminderSetting.objects.get(member=self.alice)
        self.assertEqual((setting.enabled, setting.local_time), (True, time(8, 0)))

    def test_it_keeps_each_members_settings_their_own(self) -> None:
        self.client.post(PAGE, {"enabled": "on", "local_time": "07:15", "show_streak": "on"})
        self.client.force_login(self.charlie)
        page = text(self.client.get(PAGE))
        self.assertNotIn("07:15", page)
        self.assertNotIn("Your next reminder", page)
        self.client.post(PAGE, {"local_time": "22:00"})
        alice = ReminderSetting.objects.get(member=self.alice)
        charlie = ReminderSetting.objects.get(member=self.charlie)
        self.assertEqual((alice.local_time, alice.enabled), (time(7, 15), True))
        self.assertEqual((charlie.local_time, charlie.enabled), (time(22, 0), False))

    # --- snooze --------------------------------------------------------------------------

    def test_it_offers_check_in_snooze_and_skip(self) -> None:
        page = text(self.client.get(SNOOZE))
        self.assertIn('href="/mood/check-in/"', page)
        self.assertIn('value="snooze"', page)
        self.assertIn('value="skip"', page)

    def test_it_snoozes_by_an_hour(self) -> None:
        ReminderSetting.objects.create(member=self.alice, enabled=True, local_time=time(9, 0))
        response = self.client.post(SNOOZE, {"action": "snooze"})
        self.assertRedirects(response, "/mood/")
        setting = ReminderSetting.objects.get(member=self.alice)
        # Before today's 09:00 BST (08:00 UTC): an hour after it.
        self.assertEqual(setting.snoozed_until, datetime(2025, 6, 2, 9, 0, tzinfo=UTC))

    def test_it_skips_today(self) -> None:
        ReminderSetting.objects.create(member=self.alice, enabled=True, local_time=time(9, 0))
        self.client.post(SNOOZE, {"action": "skip"})
        setting = ReminderSetting.objects.get(member=self.alice)
        self.assertEqual(setting.snoozed_until, datetime(2025, 6, 2, 23, 0, tzinfo=UTC))
        page = text(self.client.get(PAGE))
        self.assertIn("June 3, 2025", page)  # the next reminder is tomorrow's

    def test_it_rejects_an_unknown_snooze(self) -> None:
        response = self.client.post(SNOOZE, {"action": "forever"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ReminderSetting.objects.exists())

    def test_it_snoozes_only_ones_own_reminder(self) -> None:
        ReminderSetting.objects.create(member=self.alice, enabled=True, local_time=time(9, 0))
        self.client.force_login(self.charlie)
        self.client.post(SNOOZE, {"action": "skip"})
        self.assertIsNone(ReminderSetting.objects.get(member=self.alice).snoozed_until)

    # --- the streak on /mood/ -------------------------------------------------------------

    def checkins(self, user: User, *days_ago: int) -> None:
        for offset in days_ago:
            record_checkin(
                member=user,
                client_id=uuid.uuid4(),
                recorded_at=NOW - timedelta(days=offset),
                mood=3,
            )

    def test_it_hides_the_streak_by_default(self) -> None:
        self.checkins(self.alice, 0, 1, 2)
        page = text(self.client.get("/mood/"))
        self.assertNotIn("in a row", page)

    def test_it_shows_a_kind_streak_when_chosen(self) -> None:
        self.checkins(self.alice, 0, 1, 3)  # one missed day: forgiven
        ReminderSetting.objects.create(member=self.alice, show_streak=True)
        page = text(self.client.get("/mood/"))
        self.assertIn("3 days in a row — a day off doesn't break it.", page)
        self.client.force_login(self.charlie)
        ReminderSetting.objects.create(member=self.charlie, show_streak=True)
        page = text(self.client.get("/mood/"))
        self.assertIn("Your streak starts with your next check-in", page)

    # --- the API --------------------------------------------------------------------------

    def test_it_reads_the_defaults(self) -> None:
        response = self.get_api(self.alice)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "reminder_enabled": False,
                "reminder_time": "20:00",
                "reminder_email": False,
                "show_streak": False,
                "timezone": "Europe/London",
                "snoozed_until": None,
                "next_reminder_at": None,
            },
        )

    def test_it_replaces_the_settings(self) -> None:
        response = self.put(self.alice, VALID)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["reminder_time"], "09:30")
        self.assertTrue(body["show_streak"])
        # 09:30 BST today, 08:30 UTC.
        self.assertEqual(
            datetime.fromisoformat(body["next_reminder_at"]),
            datetime(2025, 6, 2, 8, 30, tzinfo=UTC),
        )
        self.assertEqual(self.get_api(self.alice).json(), body)

    def test_it_rejects_bad_input_naming_the_field_and_changes_nothing(self) -> None:
        self.put(self.alice, VALID)
        for time_value in ("25:00", "9.30", "12:60", "", "noon"):
            response = self.put(self.alice, VALID | {"reminder_time": time_value})
            self.assertEqual(response.status_code, 422, time_value)
            fields = [error["field"] for error in response.json()["detail"]]
            self.assertEqual(fields, ["reminder_time"])
            self.assertIn("HH:MM", response.json()["detail"][0]["message"])
        response = self.put(self.alice, {"reminder_enabled": "maybe", "colour": "red"})
        self.assertEqual(response.status_code, 422)
        named = {error["field"] for error in response.json()["detail"]}
        expected = {"reminder_enabled", "reminder_time", "reminder_email", "show_streak", "colour"}
        self.assertTrue(expected <= named, named)
        setting = ReminderSetting.objects.get(member=self.alice)
        self.assertEqual(setting.local_time, time(9, 30))

    def test_it_keeps_charlies_settings_his_own(self) -> None:
        self.put(self.alice, VALID)
        body = self.get_api(self.charlie).json()
        self.assertFalse(body["reminder_enabled"])
        self.assertEqual(body["reminder_time"], "20:00")
        self.put(self.charlie, VALID | {"reminder_time": "06:00", "show_streak": False})
        self.assertEqual(ReminderSetting.objects.get(member=self.alice).local_time, time(9, 30))

    def test_it_needs_authentication(self) -> None:
        self.client.logout()
        self.assertEqual(self.client.get(API).status_code, 401)
