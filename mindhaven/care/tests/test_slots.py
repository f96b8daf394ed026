"""care.slots: weekly windows expanded per date in the clinician's zone (DST-correct)."""

from datetime import UTC, date, datetime, time, timedelta

from django.test import SimpleTestCase

from mindhaven.care import slots
from mindhaven.care.tests.dst import LONDON, NEW_YORK, at, spring_mondays

RULES = slots.Rules(
    timezone="Europe/London",
    slot_minutes=50,
    buffer_minutes=10,
    min_notice_hours=0,
    horizon_days=730,
)
MONDAY_MORNING = [slots.Window(0, time(9, 0), time(12, 0))]
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def starts(found: list[slots.Slot], zone: object = UTC) -> list[str]:
    return [f"{s.start.astimezone(zone):%Y-%m-%d %H:%M}" for s in found]  # type: ignore[arg-type]


class SlotsTestCase(SimpleTestCase):
    def test_it_steps_by_slot_and_buffer_inside_the_window(self) -> None:
        day = date(2027, 1, 4)  # a Monday, GMT
        found = slots.slots_on(day, RULES, MONDAY_MORNING, [])
        self.assertEqual(
            starts(found, LONDON), ["2027-01-04 09:00", "2027-01-04 10:00", "2027-01-04 11:00"]
        )
        self.assertEqual(found[0].end - found[0].start, timedelta(minutes=50))

    def test_it_leaves_out_a_session_that_would_end_after_the_window(self) -> None:
        windows = [slots.Window(0, time(9, 0), time(10, 30))]
        found = slots.slots_on(date(2027, 1, 4), RULES, windows, [])
        self.assertEqual(starts(found, LONDON), ["2027-01-04 09:00"])

    def test_it_keeps_nine_o_clock_london_across_both_spring_changes(self) -> None:
        before, between, after = spring_mondays(NOW.date())
        found = [
            slots.slots_on(day, RULES, MONDAY_MORNING, [])[0] for day in (before, between, after)
        ]
        # London wall time never moves.
        self.assertEqual([f"{s.start.astimezone(LONDON):%H:%M}" for s in found], ["09:00"] * 3)
        # In UTC: GMT, GMT, then BST.
        self.assertEqual([f"{s.start:%H:%M}" for s in found], ["09:00", "09:00", "08:00"])
        # A member in New York sees 04:00, then 05:00 while only the US has changed,
        # then 04:00 again.
        self.assertEqual(
            [f"{s.start.astimezone(NEW_YORK):%H:%M}" for s in found], ["04:00", "05:00", "04:00"]
        )

    def test_it_expands_windows_written_in_new_york_for_a_london_viewer(self) -> None:
        rules = slots.Rules(timezone="America/New_York", min_notice_hours=0, horizon_days=730)
        windows = [slots.Window(0, time(9, 0), time(10, 0))]
        before, between, after = spring_mondays(NOW.date())
        found = [slots.slots_on(day, rules, windows, [])[0] for day in (before, between, after)]
        self.assertEqual(
            [f"{s.start.astimezone(LONDON):%H:%M}" for s in found], ["14:00", "13:00", "14:00"]
        )

    def test_it_moves_a_time_in_the_spring_gap_forward(self) -> None:
        _before, _between, after = spring_mondays(NOW.date())
        uk_sunday = after - timedelta(days=1)
        windows = [slots.Window(6, time(1, 0), time(3, 0))]
        rules = slots.Rules(timezone="Europe/London", slot_minutes=30, buffer_minutes=0)
        found = slots.slots_on(uk_sunday, rules, windows, [])
        # 01:00 and 01:30 do not exist that night: they are 02:00 and 02:30 BST.
        self.assertEqual(
            starts(found, LONDON),
            [f"{uk_sunday} 02:00", f"{uk_sunday} 02:30"],
        )

    def test_it_takes_a_day_off_and_adds_extra_hours(self) -> None:
        monday = date(2027, 1, 4)
        off = [slots.DateChange(monday, "unavailable")]
        self.assertEqual(slots.slots_on(monday, RULES, MONDAY_MORNING, off), [])
        part = [slots.DateChange(monday, "unavailable", time(10, 0), time(11, 0))]
        self.assertEqual(
            starts(slots.slots_on(monday, RULES, MONDAY_MORNING, part), LONDON),
            ["2027-01-04 09:00", "2027-01-04 11:00"],
        )
        tuesday = monday + timedelta(days=1)
        extra = [slots.DateChange(tuesday, "extra", time(14, 0), time(15, 0))]
        self.assertEqual(
            starts(slots.slots_on(tuesday, RULES, MONDAY_MORNING, extra), LONDON),
            ["2027-01-05 14:00"],
        )

    def test_it_leaves_out_busy_slots_with_their_buffer(self) -> None:
        monday = date(2027, 1, 4)
        busy = [(at(monday, 10, 0), at(monday, 10, 50))]
        found = slots.free_slots(
            rules=RULES,
            windows=MONDAY_MORNING,
            exceptions=[],
            busy=busy,
            start=at(monday, 0),
            end=at(monday + timedelta(days=1), 0),
            now=NOW,
        )
        self.assertEqual(starts(found, LONDON), ["2027-01-04 09:00", "2027-01-04 11:00"])
        # A booking off the grid (made before the rules changed), 10:05-10:55: with the
        # 10-minute buffer it reaches 11:05, so 11:00 is not free either.
        busy = [(at(monday, 10, 5), at(monday, 10, 55))]
        found = slots.free_slots(
            rules=RULES,
            windows=MONDAY_MORNING,
            exceptions=[],
            busy=busy,
            start=at(monday, 0),
            end=at(monday + timedelta(days=1), 0),
            now=NOW,
        )
        self.assertEqual(starts(found, LONDON), ["2027-01-04 09:00"])

    def test_it_respects_notice_and_horizon(self) -> None:
        rules = slots.Rules(timezone="Europe/London", min_notice_hours=48, horizon_days=15)
        now = at(date(2027, 1, 4), 8, 0)  # Monday 08:00
        found = slots.free_slots(
            rules=rules,
            windows=MONDAY_MORNING,
            exceptions=[],
            busy=[],
            start=now - timedelta(days=30),
            end=now + timedelta(days=60),
            now=now,
        )
        # Not today (under 48 hours); the next two Mondays; not the third (past 15 days).
        self.assertEqual(
            sorted({f"{s.start.astimezone(LONDON):%Y-%m-%d}" for s in found}),
            ["2027-01-11", "2027-01-18"],
        )

    def test_it_finds_the_slot_at_an_instant(self) -> None:
        monday = date(2027, 1, 4)
        self.assertIsNotNone(slots.slot_at(at(monday, 10), RULES, MONDAY_MORNING, []))
        self.assertIsNone(slots.slot_at(at(monday, 10, 30), RULES, MONDAY_MORNING, []))
        self.assertIsNone(slots.slot_at(at(monday, 12), RULES, MONDAY_MORNING, []))

    def test_it_knows_zones(self) -> None:
        self.assertTrue(slots.is_known_zone("Europe/London"))
        self.assertFalse(slots.is_known_zone("Mars/Olympus_Mons"))
        self.assertFalse(slots.is_known_zone(""))
