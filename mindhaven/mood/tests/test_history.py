"""The calendar, the trends page and the filters of the list, through the test client."""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

from django.http.response import HttpResponseBase
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.accounts.services import agree_to_privacy
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import MoodEntry
from mindhaven.mood.services import record_checkin

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def checkin(member: User, when: datetime, mood: int, **fields: Any) -> MoodEntry:
    entry, _ = record_checkin(
        member=member, client_id=uuid.uuid4(), recorded_at=when, mood=mood, **fields
    )
    return entry


def day_names(response: HttpResponseBase) -> list[str]:
    """What a screen reader says for each day link: its text without the aria-hidden parts."""
    html = getattr(response, "content", b"").decode()
    names = []
    for link in re.findall(r'<td class="mood-day mood-level-\d">\s*(<a .*?</a>)', html, re.S):
        text = re.sub(r'<span aria-hidden="true">.*?</span>', "", link, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text)
        names.append(" ".join(text.split()).replace(" :", ":"))
    return names


class HistoryTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.clock = mock.patch.object(timezone, "now", return_value=NOW)
        self.clock.start()
        self.addCleanup(self.clock.stop)
        # 3 March: two check-ins (4 and 5: "great" at 4.5); 23:30 UTC on 9 March is
        # already 10 March in Madrid, where Charlie lives, but 9 March in London.
        checkin(
            self.alice,
            datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
            4,
            activities=["walk"],
            sleep_hours=7,
        )
        checkin(
            self.alice, datetime(2025, 3, 3, 20, 0, tzinfo=UTC), 5, activities=["walk", "friends"]
        )
        checkin(self.alice, datetime(2025, 3, 9, 23, 30, tzinfo=UTC), 1, sleep_hours=4.5)
        checkin(self.alice, datetime(2025, 2, 14, 9, 0, tzinfo=UTC), 3, activities=["<b>work</b>"])
        self.charlie.timezone = "Europe/Madrid"
        self.charlie.save()
        checkin(
            self.charlie, datetime(2025, 3, 9, 23, 30, tzinfo=UTC), 2, activities=["charlie-secret"]
        )
        self.client.force_login(self.alice)

    # --- calendar ---------------------------------------------------------------------

    def test_it_shows_the_month_with_accessible_day_labels(self) -> None:
        r = self.client.get("/mood/calendar/?month=2025-03")
        self.assertEqual(r.status_code, 200)
        names = day_names(r)
        self.assertIn("3 March: great 4.5 (2 check-ins)", names)
        self.assertIn("9 March: awful 1.0 (1 check-in)", names)
        self.assertContains(r, "mood-level-5")
        self.assertContains(r, '4.5<span aria-hidden="true"> · 2×</span>')  # noqa: RUF001
        self.assertContains(r, "?start=2025-03-03&amp;end=2025-03-03")
        self.assertContains(r, '<a href="?month=2025-02" rel="prev">')
        self.assertContains(r, '<a href="?month=2025-04" rel="next">')
        self.assertContains(r, "2 days with check-ins")
        self.assertNotContains(r, "could not be read")

    def test_it_shows_this_month_by_default(self) -> None:
        r = self.client.get("/mood/calendar/")
        self.assertContains(r, "March 2025")
        self.assertIn("3 March: great 4.5 (2 check-ins)", day_names(r))

    def test_it_puts_entries_on_the_members_local_day(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get("/mood/calendar/?month=2025-03")
        self.assertEqual(day_names(r), ["10 March: bad 2.0 (1 check-in)"])
        self.assertNotContains(r, "3 March")
        self.assertContains(r, "1 day with check-ins")

    def test_it_falls_back_to_this_month_on_a_bad_month(self) -> None:
        for bad in ("2025-13", "march", "2025-3-1", "0000-01", "<script>"):
            with self.subTest(month=bad):
                r = self.client.get("/mood/calendar/", {"month": bad})
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "That month could not be read")
                self.assertContains(r, "March 2025")
                self.assertNotContains(r, "<script>")

    def test_it_hides_alices_days_from_charlie(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get("/mood/calendar/?month=2025-02")
        self.assertEqual(day_names(r), [])
        self.assertContains(r, "0 days with check-ins")

    def test_it_speaks_spanish(self) -> None:
        self.alice.locale = "es"
        self.alice.save()
        r = self.client.get("/mood/calendar/?month=2025-03", HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(r, "Calendario de ánimo")
        self.assertIn("3 marzo: genial 4,5 (2 registros)", day_names(r))
        r = self.client.get("/mood/trends/?days=30", HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(r, "Media móvil de 7 días")
        self.assertContains(r, "Sueño y ánimo")

    def test_it_rejects_post(self) -> None:
        self.assertEqual(self.client.post("/mood/calendar/").status_code, 405)

    # --- trends -------------------------------------------------------------------------

    def test_it_plots_mood_activities_and_sleep_with_tables(self) -> None:
        r = self.client.get("/mood/trends/?days=90")
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertEqual(html.count('role="img"'), 3)
        self.assertContains(r, '<title id="mood-plot-title">Mood over time</title>')
        self.assertContains(r, "7-day rolling mean")
        # Three days with check-ins in the last 90 days: 3 March (4.5), 9 March (1), 14 Feb (3).
        self.assertEqual(html.count("<circle"), 3 + 2)  # mood points + sleep points
        self.assertContains(r, "<td>4.50</td>")
        self.assertContains(r, '<th scope="row">walk</th><td>1</td>')
        self.assertContains(r, "&lt;b&gt;work&lt;/b&gt;")
        self.assertNotContains(r, "<b>work</b>")
        self.assertContains(r, "<td>4.5</td><td>1.00</td>")  # sleep 4.5 h, mood 1

    def test_it_shows_a_message_without_check_ins(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get("/mood/trends/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "No check-ins in this period yet")
        self.assertNotContains(r, 'role="img"')

    def test_it_falls_back_to_90_days_on_a_bad_period(self) -> None:
        for bad in ("7", "abc", "-30", "99999999999999999999"):
            with self.subTest(days=bad):
                r = self.client.get("/mood/trends/", {"days": bad})
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "showing the last 90 days")

    def test_it_plots_only_charlies_own_check_ins(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get("/mood/trends/?days=30")
        self.assertContains(r, "charlie-secret")
        self.assertNotContains(r, "walk")
        self.assertNotContains(r, "work")
        self.assertEqual(r.content.decode().count("<circle"), 1)

    # --- filters of the list ------------------------------------------------------------------

    def test_it_filters_by_date_range_mood_and_activity(self) -> None:
        r = self.client.get("/mood/entries/", {"start": "2025-03-01", "end": "2025-03-09"})
        self.assertEqual(len(r.context["page"].object_list), 3)
        r = self.client.get("/mood/entries/", {"start": "2025-03-03", "end": "2025-03-03"})
        self.assertEqual(len(r.context["page"].object_list), 2)
        r = self.client.get("/mood/entries/", {"mood": "5"})
        self.assertEqual([e.mood for e in r.context["page"].object_list], [5])
        r = self.client.get("/mood/entries/", {"activity": "walk", "end": "2025-03-31"})
        self.assertEqual(len(r.context["page"].object_list), 2)
        self.assertContains(r, "2 check-ins")
        self.assertContains(r, "Clear filters")

    def test_it_reads_dates_in_the_members_zone(self) -> None:
        # 23:30 UTC on 9 March is the 9th in London (GMT in March).
        r = self.client.get("/mood/entries/", {"start": "2025-03-09", "end": "2025-03-09"})
        self.assertEqual([e.mood for e in r.context["page"].object_list], [1])
        self.client.force_login(self.charlie)
        r = self.client.get("/mood/entries/", {"start": "2025-03-10", "end": "2025-03-10"})
        self.assertEqual([e.mood for e in r.context["page"].object_list], [2])

    def test_it_reports_bad_filters_and_applies_the_rest(self) -> None:
        r = self.client.get(
            "/mood/entries/", {"start": "yesterday", "mood": "9", "activity": "walk"}
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Some filters could not be used")
        self.assertContains(r, "Enter a valid date.")
        self.assertEqual(len(r.context["page"].object_list), 2)  # only "walk" applied

    def test_it_reports_an_end_before_the_start(self) -> None:
        r = self.client.get("/mood/entries/", {"start": "2025-03-09", "end": "2025-03-01"})
        self.assertContains(r, "The end date is before the start date.")
        self.assertEqual(len(r.context["page"].object_list), 1)  # the start still applies

    def test_it_offers_only_charlies_own_activities(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get("/mood/entries/", {"activity": "walk"})
        # "walk" is one of everyone's default activities, but none of charlie's entries has it.
        self.assertEqual(len(r.context["page"].object_list), 0)
        self.assertContains(r, "No check-ins match these filters.")
        self.assertNotContains(r, "&lt;b&gt;work")
        r = self.client.get("/mood/entries/")
        self.assertEqual(len(r.context["page"].object_list), 1)

    def test_it_keeps_filters_across_pages(self) -> None:
        start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
        for day in range(60):
            checkin(self.alice, start + timedelta(days=day), 3)
        r = self.client.get("/mood/entries/", {"mood": "3"})
        self.assertContains(r, "?mood=3&amp;page=2")
        self.assertEqual(r.context["page"].paginator.count, 61)
        self.assertEqual(date(2025, 3, 1).month, 3)


class OfflineShellTestCase(BaseTestCase):
    def test_it_serves_an_empty_check_in_form_to_anyone(self) -> None:
        r = self.client.get("/mood/check-in/shell/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "data-checkin")
        self.assertContains(r, 'name="mood"', count=5)
        self.assertContains(r, "data-outbox-status")

    def test_it_shows_nothing_personal_to_a_signed_in_member(self) -> None:
        agree_to_privacy(user=self.alice)
        checkin(self.alice, timezone.now(), 4, activities=["alice-only"], note="zebra-note")
        self.client.force_login(self.alice)
        r = self.client.get("/mood/check-in/shell/")
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "alice-only")
        self.assertNotContains(r, "Alice")
        self.assertNotContains(r, "zebra-note")

    def test_the_service_worker_keeps_the_shell_and_its_scripts(self) -> None:
        r = self.client.get("/sw.js")
        body = r.content.decode()
        self.assertIn('"/mood/check-in/": "/mood/check-in/shell/"', body)
        for url in ("/mood/check-in/shell/", "mood/checkin.js", "mood/queue.js", "mood/mood.css"):
            self.assertIn(url, body)
