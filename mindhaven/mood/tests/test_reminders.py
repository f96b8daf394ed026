"""When a daily reminder is due: wall-clock times in IANA zones, across DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from mindhaven.mood import reminders

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # half-hour DST changes
NINE = time(9, 0)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(instant: datetime, zone: ZoneInfo) -> tuple[date, time]:
    moment = instant.astimezone(zone)
    return moment.date(), moment.time()


class RemindersTestCase(SimpleTestCase):
    def test_it_keeps_nine_in_london_across_both_changes(self) -> None:
        # Clocks go forward on 30 March 2025 and back on 26 October 2025.
        days = [date(2025, 3, 29), date(2025, 3, 30), date(2025, 3, 31)]
        instants = [reminders.local_instant(day, NINE, LONDON) for day in days]
        self.assertEqual(instants, [utc(2025, 3, 29, 9), utc(2025, 3, 30, 8), utc(2025, 3, 31, 8)])
        autumn = [date(2025, 10, 25), date(2025, 10, 26)]
        instants = [reminders.local_instant(day, NINE, LONDON) for day in autumn]
        self.assertEqual(instants, [utc(2025, 10, 25, 8), utc(2025, 10, 26, 9)])
        for instant in instants:
            self.assertEqual(local(instant, LONDON)[1], NINE)

    def test_it_finds_the_next_instant_over_the_spring_change(self) -> None:
        # Saturday 10:00 London (after today's 09:00): next is Sunday 09:00 BST, 08:00 UTC,
        # 23 hours later rather than 24.
        now = utc(2025, 3, 29, 10)
        following = reminders.next_reminder_at(now, NINE, LONDON)
        self.assertEqual(following, utc(2025, 3, 30, 8))
        self.assertEqual(
            following - reminders.next_reminder_at(now - timedelta(days=1), NINE, LONDON),
            timedelta(hours=23),
        )

    def test_it_finds_the_next_instant_over_the_autumn_change_in_new_york(self) -> None:
        # DST ends in New York on 2 November 2025 at 02:00.
        now = utc(2025, 11, 1, 14)  # 10:00 EDT
        self.assertEqual(reminders.next_reminder_at(now, NINE, NEW_YORK), utc(2025, 11, 2, 14))
        now = utc(2025, 11, 2, 13, 59)  # 08:59 EST
        self.assertEqual(reminders.next_reminder_at(now, NINE, NEW_YORK), utc(2025, 11, 2, 14))
        # Exactly at the reminder: the next one is tomorrow's.
        self.assertEqual(
            reminders.next_reminder_at(utc(2025, 11, 2, 14), NINE, NEW_YORK), utc(2025, 11, 3, 14)
        )

    def test_it_handles_the_southern_hemisphere(self) -> None:
        # Sydney: DST ends 6 April 2025 (03:00 -> 02:00), starts 5 October 2025 (02:00 -> 03:00).
        self.assertEqual(
            reminders.local_instant(date(2025, 4, 5), NINE, SYDNEY), utc(2025, 4, 4, 22)
        )
        self.assertEqual(
            reminders.local_instant(date(2025, 4, 6), NINE, SYDNEY), utc(2025, 4, 5, 23)
        )
        self.assertEqual(
            reminders.local_instant(date(2025, 10, 4), NINE, SYDNEY), utc(2025, 10, 3, 23)
        )
        self.assertEqual(
            reminders.local_instant(date(2025, 10, 5), NINE, SYDNEY), utc(2025, 10, 4, 22)
        )
        # Sydney is ahead of UTC: at 23:30 UTC it is already the next local day.
        now = utc(2025, 6, 10, 23, 30)  # 09:30 on 11 June in Sydney
        self.assertEqual(reminders.next_reminder_at(now, NINE, SYDNEY), utc(2025, 6, 11, 23))

    def test_it_moves_a_time_in_the_gap_forward(self) -> None:
        # 01:30 does not exist in London on 30 March 2025: it becomes 02:30 BST.
        instant = reminders.local_instant(date(2025, 3, 30), time(1, 30), LONDON)
        self.assertEqual(instant, utc(2025, 3, 30, 1, 30))
        self.assertEqual(local(instant, LONDON), (date(2025, 3, 30), time(2, 30)))
        # 02:30 does not exist in New York on 9 March 2025: 03:30 EDT.
        instant = reminders.local_instant(date(2025, 3, 9), time(2, 30), NEW_YORK)
        self.assertEqual(local(instant, NEW_YORK), (date(2025, 3, 9), time(3, 30)))
        # Sydney on 5 October 2025: 02:15 becomes 03:15.
        instant = reminders.local_instant(date(2025, 10, 5), time(2, 15), SYDNEY)
        self.assertEqual(local(instant, SYDNEY), (date(2025, 10, 5), time(3, 15)))
        # Lord Howe moves by half an hour: 02:10 becomes 02:40.
        instant = reminders.local_instant(date(2025, 10, 5), time(2, 10), LORD_HOWE)
        self.assertEqual(local(instant, LORD_HOWE), (date(2025, 10, 5), time(2, 40)))

    def test_it_uses_the_first_of_a_repeated_time(self) -> None:
        # 01:30 happens twice in London on 26 October 2025: BST first (00:30 UTC).
        instant = reminders.local_instant(date(2025, 10, 26), time(1, 30), LONDON)
        self.assertEqual(instant, utc(2025, 10, 26, 0, 30))
        following = reminders.next_reminder_at(instant, time(1, 30), LONDON)
        self.assertEqual(following, utc(2025, 10, 27, 1, 30))  # once that day, not twice

    def test_it_returns_utc(self) -> None:
        instant = reminders.next_reminder_at(utc(2025, 1, 1), NINE, SYDNEY)
        self.assertEqual(instant.utcoffset(), timedelta(0))

    def test_it_says_when_today_is_due(self) -> None:
        due = reminders.todays_reminder(now=utc(2025, 3, 30, 7, 59), at=NINE, zone=LONDON)
        self.assertEqual(
            (due.local_date, due.at, due.is_due), (date(2025, 3, 30), utc(2025, 3, 30, 8), False)
        )
        self.assertTrue(
            reminders.todays_reminder(now=utc(2025, 3, 30, 8), at=NINE, zone=LONDON).is_due
        )
        # Too late: the worker was down all morning.
        late = reminders.todays_reminder(now=utc(2025, 3, 30, 11, 1), at=NINE, zone=LONDON)
        self.assertFalse(late.is_due)

    def test_it_snoozes_by_an_hour_and_skips_to_tomorrow(self) -> None:
        before = reminders.snooze_until(now=utc(2025, 6, 1, 7), at=NINE, zone=LONDON)
        self.assertEqual(before, utc(2025, 6, 1, 9))  # 09:00 BST + 1 hour
        after = reminders.snooze_until(now=utc(2025, 6, 1, 8, 5), at=NINE, zone=LONDON)
        self.assertEqual(after, utc(2025, 6, 1, 9, 5))
        due = reminders.todays_reminder(
            now=utc(2025, 6, 1, 8, 30), at=NINE, zone=LONDON, snoozed_until=after
        )
        self.assertFalse(due.is_due)
        self.assertEqual(due.at, after)
        skip = reminders.skip_today_until(now=utc(2025, 6, 1, 8, 5), zone=LONDON)
        self.assertEqual(skip, utc(2025, 6, 1, 23))  # midnight BST
        for hour in (8, 12, 22):
            due = reminders.todays_reminder(
                now=utc(2025, 6, 1, hour), at=NINE, zone=LONDON, snoozed_until=skip
            )
            self.assertFalse(due.is_due)
        tomorrow = reminders.todays_reminder(
            now=utc(2025, 6, 2, 8), at=NINE, zone=LONDON, snoozed_until=skip
        )
        self.assertTrue(tomorrow.is_due)

    def test_it_does_not_remind_for_a_time_before_the_schedule_changed(self) -> None:
        due = reminders.todays_reminder(
            now=utc(2025, 6, 1, 14), at=time(13, 0), zone=LONDON, not_before=utc(2025, 6, 1, 13, 30)
        )
        self.assertFalse(due.is_due)
