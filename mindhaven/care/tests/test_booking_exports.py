"""The appointments exporter: each person's own appointments, and a clinician's hours."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from mindhaven.care.exports import export_appointments
from mindhaven.care.models import Appointment
from mindhaven.care.tests.booking_helpers import give_bob_hours
from mindhaven.core.export import build_export
from mindhaven.core.testing import BaseTestCase

START = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)


class BookingExportsTestCase(BaseTestCase):
    def setUp(self) -> None:
        give_bob_hours(self.bob)
        self.appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=START, end=START + timedelta(minutes=50)
        )

    def rows(self, data: bytes, path: str) -> list[dict[str, str]]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = archive.read(path).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    def test_it_exports_the_members_appointments(self) -> None:
        rows = self.rows(build_export(self.alice), "appointments/appointments.csv")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["id"], str(self.appointment.code))
        self.assertEqual(rows[0]["your_role"], "member")
        self.assertEqual(rows[0]["with"], "Bob")
        self.assertTrue(rows[0]["start"].startswith("2030-07-01T08:00:00"))

    def test_it_exports_the_clinicians_side_and_hours(self) -> None:
        files = {f.path: f for f in export_appointments(self.bob)}
        self.assertEqual(set(files), {"appointments.csv", "availability.json"})
        data = build_export(self.bob)
        self.assertEqual(self.rows(data, "appointments/appointments.csv")[0]["with"], "Alice")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            hours = json.loads(archive.read("appointments/availability.json"))
        self.assertEqual(hours["timezone"], "Europe/London")
        self.assertEqual(hours["weekly"], [{"weekday": 0, "start": "09:00:00", "end": "12:00:00"}])

    def test_it_exports_nothing_of_alices_for_charlie(self) -> None:
        rows = self.rows(build_export(self.charlie), "appointments/appointments.csv")
        self.assertEqual(rows, [])
