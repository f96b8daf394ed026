import io
import json
import zipfile
from typing import Any

from mindhaven.accounts.models import User
from mindhaven.care.models import SessionNote
from mindhaven.care.services import notes as services
from mindhaven.care.tests.test_notes_services import SECTIONS, make_appointment
from mindhaven.core.export import build_export
from mindhaven.core.testing import BaseTestCase

PATH = "session_notes/notes.json"


def exported_notes(user: User) -> Any:
    with zipfile.ZipFile(io.BytesIO(build_export(user))) as archive:
        readme = archive.read("README.txt").decode()
        assert PATH in readme
        return json.loads(archive.read(PATH))


class NotesExportTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.appointment = make_appointment(self.bob, self.alice)
        note, _created = services.save_note(
            author=self.bob, appointment=self.appointment, **SECTIONS
        )
        self.note = services.sign_note(author=self.bob, note=note)
        services.add_amendment(author=self.bob, note=self.note, body="PHQ-9 was 14.")

    def test_it_puts_signed_notes_and_amendments_in_the_members_export(self) -> None:
        [row] = exported_notes(self.alice)
        self.assertEqual(row["id"], str(self.note.code))
        self.assertEqual(row["appointment"], str(self.appointment.code))
        self.assertEqual(row["clinician"], "Bob")
        self.assertEqual(row["subjective"], SECTIONS["subjective"])
        self.assertEqual(row["plan"], SECTIONS["plan"])
        self.assertEqual(row["signed_digest"], self.note.signed_digest)
        self.assertEqual([a["body"] for a in row["amendments"]], ["PHQ-9 was 14."])

    def test_it_leaves_drafts_out(self) -> None:
        draft_appointment = make_appointment(self.bob, self.alice, hours_from_now=-30)
        services.save_note(author=self.bob, appointment=draft_appointment, **SECTIONS)
        self.assertEqual(SessionNote.objects.count(), 2)
        self.assertEqual(len(exported_notes(self.alice)), 1)

    def test_it_puts_no_ones_notes_in_charlies_or_the_clinicians_export(self) -> None:
        self.assertEqual(exported_notes(self.charlie), [])
        self.assertEqual(exported_notes(self.bob), [])

    def test_notes_go_with_the_members_account(self) -> None:
        # Erasure cascades: a deployment that must keep records exports first (decisions.md).
        self.alice.delete()
        self.assertFalse(SessionNote.objects.exists())
