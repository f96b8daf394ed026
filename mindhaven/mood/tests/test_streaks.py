"""Streaks: a day with a check-in counts, one missed day is forgiven, in local dates."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from mindhaven.mood.streaks import Streak, compute_streak, local_days

TODAY = date(2025, 6, 10)


def days_ago(*offsets: int) -> list[date]:
    return [TODAY - timedelta(days=offset) for offset in offsets]


class StreaksTestCase(SimpleTestCase):
    def test_it_is_zero_without_check_ins(self) -> None:
        self.assertEqual(compute_streak([], TODAY), Streak(current=0, longest=0))

    def test_it_counts_days_in_a_row(self) -> None:
        self.assertEqual(compute_streak(days_ago(0, 1, 2), TODAY), Streak(3, 3))

    def test_it_counts_a_day_once_however_many_check_ins(self) -> None:
        self.assertEqual(compute_streak(days_ago(0, 0, 0, 1), TODAY), Streak(2, 2))

    def test_it_forgives_one_missed_day(self) -> None:
        # 4 days ago, 3 days ago, (2 missed), yesterday, today: one streak of 4 days.
        self.assertEqual(compute_streak(days_ago(0, 1, 3, 4), TODAY), Streak(4, 4))
        # A missed day every other day is still forgiven each time.
        self.assertEqual(compute_streak(days_ago(0, 2, 4, 6), TODAY), Streak(4, 4))

    def test_it_breaks_after_two_missed_days(self) -> None:
        self.assertEqual(compute_streak(days_ago(0, 3, 4, 5), TODAY), Streak(1, 3))

    def test_it_does_not_break_before_today_is_over(self) -> None:
        # Nothing yet today: yesterday's streak still stands.
        self.assertEqual(compute_streak(days_ago(1, 2), TODAY), Streak(2, 2))
        # Nothing yesterday or yet today: yesterday is the grace day.
        self.assertEqual(compute_streak(days_ago(2, 3), TODAY), Streak(2, 2))
        # Two whole days missed: over, but the longest is kept.
        self.assertEqual(compute_streak(days_ago(3, 4), TODAY), Streak(0, 2))

    def test_it_ignores_days_after_today(self) -> None:
        self.assertEqual(compute_streak([TODAY + timedelta(days=1), TODAY], TODAY), Streak(1, 1))

    def test_it_keeps_the_longest(self) -> None:
        old = days_ago(20, 19, 18, 17, 16)
        self.assertEqual(compute_streak([*old, *days_ago(0, 1)], TODAY), Streak(2, 5))

    def test_it_uses_local_dates_near_midnight(self) -> None:
        # 23:30 UTC is already the next day in Madrid, still the same day in New York.
        late = [
            datetime(2025, 6, 7, 23, 30, tzinfo=UTC),
            datetime(2025, 6, 8, 23, 30, tzinfo=UTC),
        ]
        madrid = local_days(late, ZoneInfo("Europe/Madrid"))
        self.assertEqual(madrid, {date(2025, 6, 8), date(2025, 6, 9)})
        new_york = local_days(late, ZoneInfo("America/New_York"))
        self.assertEqual(new_york, {date(2025, 6, 7), date(2025, 6, 8)})
        # On 10 June both streaks stand (New York's with 9 June as its grace day); on
        # 11 June only Madrid's: New York has missed 9 and 10 June.
        self.assertEqual(compute_streak(madrid, date(2025, 6, 10)).current, 2)
        self.assertEqual(compute_streak(new_york, date(2025, 6, 10)).current, 2)
        self.assertEqual(compute_streak(new_york, date(2025, 6, 11)).current, 0)
        self.assertEqual(compute_streak(madrid, date(2025, 6, 11)).current, 2)

    def test_it_counts_a_check_in_just_before_local_midnight_on_its_own_day(self) -> None:
        # 23:59 on 9 June in Sydney is 13:59 UTC: the 9th there, whatever UTC says.
        sydney = ZoneInfo("Australia/Sydney")
        instants = [
            datetime(2025, 6, 8, 14, 30, tzinfo=UTC),  # 00:30 on 9 June in Sydney
            datetime(2025, 6, 9, 13, 59, tzinfo=UTC),  # 23:59 on 9 June in Sydney
        ]
        self.assertEqual(local_days(instants, sydney), {date(2025, 6, 9)})
        self.assertEqual(
            compute_streak(local_days(instants, sydney), date(2025, 6, 9)), Streak(1, 1)
        )
