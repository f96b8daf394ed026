from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from mindhaven.mood.importers import daylio

FIXTURES = Path(__file__).parent / "fixtures" / "daylio"
LONDON = ZoneInfo("Europe/London")


def parse(name: str) -> daylio.DaylioFile:
    return daylio.parse((FIXTURES / name).read_bytes())


class DaylioParserTestCase(SimpleTestCase):
    def test_it_reads_the_year_layout_with_a_bom(self) -> None:
        result = parse("year_english.csv")
        self.assertEqual(result.layout, "year")
        self.assertTrue(result.has_header)
        self.assertEqual(
            [row.local for row in result.rows],
            [
                datetime(2019, 1, 3, 21, 15),
                datetime(2019, 1, 2, 8, 5),
                datetime(2019, 1, 2, 7, 0),
                datetime(2018, 12, 31, 23, 59),
            ],
        )
        self.assertEqual(result.first_day, datetime(2018, 12, 31).date())
        self.assertEqual(result.last_day, datetime(2019, 1, 3).date())

    def test_it_trims_moods_and_activities(self) -> None:
        first, second, *_rest = parse("year_english.csv").rows
        self.assertEqual(first.mood, "good")
        self.assertEqual(first.activities, ("reading", "swimming"))
        self.assertEqual(first.note, "Lake was cold")
        self.assertEqual(second.activities, ("cooking",))

    def test_it_fills_short_rows_and_skips_rows_without_a_mood(self) -> None:
        result = parse("year_english.csv")
        self.assertEqual(result.rows[2].note, "")
        self.assertEqual(result.skipped, 1)
        self.assertEqual(len(result.warnings), 2)
        self.assertIn("Line 4", result.warnings[0])
        self.assertIn("Line 5", result.warnings[1])

    def test_it_reads_12_and_24_hour_times(self) -> None:
        result = parse("full_date_12h.csv")
        self.assertEqual(result.layout, "full_date")
        self.assertEqual(
            [row.local.time() for row in result.rows],
            [time(17, 1), time(12, 5), time(0, 19), time(14, 58)],
        )

    def test_it_parses_time_spellings(self) -> None:
        self.assertEqual(daylio.parse_time("12:00 AM"), time(0, 0))
        self.assertEqual(daylio.parse_time("12:00 pm"), time(12, 0))
        self.assertEqual(daylio.parse_time("9:03"), time(9, 3))
        self.assertEqual(daylio.parse_time("10:00 p. m."), time(22, 0))
        self.assertIsNone(daylio.parse_time("13:00 pm"))
        self.assertIsNone(daylio.parse_time("25:00"))
        self.assertIsNone(daylio.parse_time("noon"))

    def test_it_joins_the_note_title_and_note(self) -> None:
        result = parse("note_title.csv")
        self.assertEqual(result.layout, "note_title")
        self.assertEqual(result.rows[0].note, "Birthday\n\nLong table,\nmany candles")
        self.assertEqual(result.rows[1].line, 4)  # the multi-line note took lines 2 and 3
        self.assertEqual(result.rows[2].activities, ("work",))

    def test_it_keeps_renamed_moods_and_lists_each_label_once(self) -> None:
        self.assertEqual(parse("note_title.csv").labels(), ["Great day", "so-so"])

    def test_it_reads_the_scales_layout(self) -> None:
        result = parse("scales.csv")
        self.assertEqual(result.layout, "scales")
        self.assertEqual(result.rows[1].note, "Rough\n\nStayed in")
        self.assertEqual(result.rows[0].activities, ("hike",))

    def test_it_reads_a_file_without_a_header(self) -> None:
        result = parse("noheader_spanish.csv")
        self.assertEqual(result.layout, "full_date")
        self.assertFalse(result.has_header)
        self.assertEqual(len(result.rows), 3)
        self.assertEqual(result.rows[0].line, 1)
        self.assertEqual(result.rows[0].local, datetime(2021, 11, 20, 9, 4))

    def test_it_reads_localised_month_names(self) -> None:
        days = [row.local.date().isoformat() for row in parse("year_months.csv").rows]
        self.assertEqual(
            days,
            [
                "2020-03-12",  # Polish genitive
                "2020-05-03",  # German
                "2020-06-01",  # French, "1er"
                "2020-09-07",  # Portuguese
                "2020-12-25",  # Italian
                "2020-01-06",  # Spanish
                "2020-10-09",  # English abbreviation
            ],
        )

    def test_it_reads_month_names_without_accents(self) -> None:
        self.assertEqual(daylio.parse_local_date(2017, "7 wrzesnia"), datetime(2017, 9, 7).date())
        self.assertEqual(daylio.parse_local_date(2017, "3 fevrier"), datetime(2017, 2, 3).date())
        self.assertIsNone(daylio.parse_local_date(2017, "31 February"))
        self.assertIsNone(daylio.parse_local_date(2017, "Someday 3"))

    def test_it_names_the_line_of_a_file_that_is_not_daylio(self) -> None:
        with self.assertRaises(daylio.DaylioFormatError) as caught:
            parse("not_daylio.csv")
        self.assertEqual(caught.exception.line, 1)
        self.assertIn("full_date,date,weekday,time,mood", str(caught.exception))

    def test_it_names_the_line_of_a_bad_time(self) -> None:
        with self.assertRaises(daylio.DaylioFormatError) as caught:
            parse("bad_time.csv")
        self.assertEqual(caught.exception.line, 3)
        self.assertIn("25:61", str(caught.exception))

    def test_it_rejects_rows_with_too_many_fields(self) -> None:
        text = "full_date,date,weekday,time,mood,activities,note\n2022-01-01,a,b,10:00,good,,,x,y\n"
        with self.assertRaises(daylio.DaylioFormatError) as caught:
            daylio.parse(text)
        self.assertEqual(caught.exception.line, 2)

    def test_it_rejects_empty_and_non_utf8_files(self) -> None:
        with self.assertRaises(daylio.DaylioFormatError):
            daylio.parse(b"")
        with self.assertRaises(daylio.DaylioFormatError) as caught:
            daylio.parse(b"full_date,date,weekday,time,mood,activities,note\n\xff\xfe\n")
        self.assertEqual(caught.exception.line, 2)

    def test_it_resolves_a_dst_gap_forward(self) -> None:
        resolved = daylio.resolve_local(datetime(2021, 3, 28, 1, 30), LONDON)
        self.assertTrue(resolved.shifted)
        self.assertEqual(resolved.at.replace(tzinfo=None), datetime(2021, 3, 28, 2, 30))
        self.assertEqual(resolved.at.utcoffset(), timedelta(hours=1))
        self.assertEqual(
            daylio.gap_length(datetime(2021, 3, 28, 1, 30), LONDON), timedelta(hours=1)
        )

    def test_it_takes_the_first_time_in_a_dst_overlap(self) -> None:
        resolved = daylio.resolve_local(datetime(2021, 10, 31, 1, 30), LONDON)
        self.assertTrue(resolved.ambiguous)
        self.assertFalse(resolved.shifted)
        self.assertEqual(resolved.at.utcoffset(), timedelta(hours=1))  # BST, the first
        self.assertEqual(resolved.at.astimezone(ZoneInfo("UTC")).hour, 0)

    def test_it_leaves_ordinary_times_alone(self) -> None:
        resolved = daylio.resolve_local(datetime(2021, 7, 1, 12, 0), LONDON)
        self.assertFalse(resolved.shifted or resolved.ambiguous)
        self.assertEqual(resolved.at.hour, 12)

    def test_it_knows_the_default_labels_without_case_or_spaces(self) -> None:
        levels = daylio.default_moods()
        self.assertEqual(levels[daylio.normalise_label(" RAD ")], 5)
        self.assertEqual(levels[daylio.normalise_label("Tak  sobie")], 3)
        self.assertEqual(levels[daylio.normalise_label("Mal")], 2)
        self.assertNotIn(daylio.normalise_label("so-so"), levels)
