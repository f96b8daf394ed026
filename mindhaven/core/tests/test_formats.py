from datetime import datetime, time

from django.test import SimpleTestCase
from django.utils import translation
from django.utils.formats import date_format, time_format


class FormatsTestCase(SimpleTestCase):
    def test_it_shows_24_hour_times_in_english_as_in_spanish(self) -> None:
        afternoon = datetime(2026, 3, 9, 15, 30)
        with translation.override("en"):
            self.assertEqual(date_format(afternoon, "DATETIME_FORMAT"), "March 9, 2026, 15:30")
            self.assertEqual(time_format(time(9, 5)), "09:05")
            self.assertEqual(date_format(afternoon, "SHORT_DATETIME_FORMAT"), "03/09/2026 15:30")
        with translation.override("es"):
            self.assertEqual(time_format(time(9, 5)), "09:05")
