"""Conformance: every real Daylio export in ../shared/samples parses, row for row.

The samples are other people's files and are not part of this repository; the test
skips when the folder is not there.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from mindhaven.core.testing import BaseTestCase
from mindhaven.mood import imports
from mindhaven.mood.importers import daylio
from mindhaven.mood.models import MoodEntry

# ../shared/samples beside the repository
SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples"
FILES = sorted(SAMPLES.glob("daylio_*.csv")) if SAMPLES.is_dir() else []
SKIP = f"no Daylio samples in {SAMPLES}"


def data_lines(path: Path) -> int:
    """Lines that hold a row (the samples have no multi-line notes), without the header."""
    lines = [line for line in path.read_text("utf-8-sig").splitlines() if line.strip()]
    header = daylio._header_layout(lines[0].split(",")) is not None
    return len(lines) - (1 if header else 0)


class DaylioSamplesTestCase(SimpleTestCase):
    def setUp(self) -> None:
        if not FILES:
            self.skipTest(SKIP)

    def test_it_parses_every_sample(self) -> None:
        for path in FILES:
            with self.subTest(path.name):
                result = daylio.parse(path.read_bytes())
                self.assertEqual(len(result.rows) + result.skipped, data_lines(path))
                self.assertTrue(result.rows)

    def test_it_detects_each_samples_layout(self) -> None:
        layouts = {path.name: daylio.parse(path.read_bytes()).layout for path in FILES}
        seen = set(layouts.values())
        self.assertLessEqual(seen, set(daylio.LAYOUTS))
        for name, layout in layouts.items():
            if "year_header" in name:
                self.assertEqual(layout, "year", name)
            if "8col" in name:
                self.assertEqual(layout, "note_title", name)
            if "noheader" in name:
                self.assertEqual(layout, "full_date", name)


class DaylioSamplesImportTestCase(BaseTestCase):
    def setUp(self) -> None:
        if not FILES:
            self.skipTest(SKIP)

    def test_it_imports_every_sample_once(self) -> None:
        zone = ZoneInfo("Europe/London")
        for path in FILES:
            with self.subTest(path.name):
                parsed = daylio.parse(path.read_bytes())
                mood_map = dict.fromkeys(imports.unknown_moods(parsed, None), 3)
                first = imports.import_daylio(
                    member=self.alice, parsed=parsed, zone=zone, mood_map=mood_map
                )
                again = imports.import_daylio(
                    member=self.alice, parsed=parsed, zone=zone, mood_map=mood_map
                )
                self.assertEqual(first.imported + first.duplicates, len(parsed.rows))
                self.assertEqual(again.imported, 0)
        self.assertTrue(MoodEntry.objects.filter(member=self.alice).exists())
