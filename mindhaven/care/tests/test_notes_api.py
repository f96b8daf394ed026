import uuid
from typing import Any

from mindhaven.care.models import NOTE_SECTION_MAX_LENGTH, NoteAmendment, SessionNote
from mindhaven.care.services import notes as services
from mindhaven.care.tests.test_notes_services import SECTIONS, make_appointment
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase


class NotesApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.appointment = make_appointment(self.bob, self.alice)
        self.url = f"/api/v1/care/appointments/{self.appointment.code}/note"
        self.client.force_login(self.bob)

    def put(self, data: dict[str, Any]) -> Any:
        return self.client.put(self.url, data, content_type="application/json")

    def post(self, suffix: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(self.url + suffix, data or {}, content_type="application/json")

    def signed(self) -> SessionNote:
        note, _created = services.save_note(
            author=self.bob, appointment=self.appointment, **SECTIONS
        )
        return services.sign_note(author=self.bob, note=note)

    def test_it_writes_a_draft_then_replaces_it(self) -> None:
        r = self.put(SECTIONS)
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["subjective"], SECTIONS["subjective"])
        self.assertIsNone(r.json()["signed_at"])
        self.assertFalse(r.json()["verified"])
        r = self.put(SECTIONS | {"plan": "Sleep diary."})
        self.assertEqual(r.status_code, 200)
        r = self.client.get(self.url)
        self.assertEqual(r.json()["plan"], "Sleep diary.")
        self.assertEqual(r.json()["author"], "bob")

    def test_it_signs_and_then_refuses_edits_with_409(self) -> None:
        self.put(SECTIONS)
        r = self.post("/sign")
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(len(r.json()["signed_digest"]), 64)
        self.assertTrue(r.json()["verified"])
        again = self.post("/sign")
        self.assertEqual(again.json()["signed_at"], r.json()["signed_at"])
        r = self.put(SECTIONS | {"plan": "Rewritten"})
        self.assertEqual(r.status_code, 409)
        self.assertIn("signed and locked", r.json()["detail"])
        self.assertEqual(SessionNote.objects.get().plan, SECTIONS["plan"])

    def test_it_adds_amendments_once_per_id(self) -> None:
        self.signed()
        body = {"id": str(uuid.uuid4()), "body": "PHQ-9 was 14."}
        r = self.post("/amendments", body)
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["id"], body["id"])
        self.assertEqual(self.post("/amendments", body).status_code, 200)
        r = self.client.get(self.url)
        self.assertEqual([a["body"] for a in r.json()["amendments"]], ["PHQ-9 was 14."])

    def test_it_refuses_amendments_to_a_draft(self) -> None:
        self.put(SECTIONS)
        r = self.post("/amendments", {"id": str(uuid.uuid4()), "body": "Early"})
        self.assertEqual(r.status_code, 409)
        self.assertIn("edit the draft", r.json()["detail"])
        self.assertFalse(NoteAmendment.objects.exists())

    def test_it_names_the_field_that_is_too_long(self) -> None:
        self.put(SECTIONS)
        r = self.put(SECTIONS | {"objective": "x" * (NOTE_SECTION_MAX_LENGTH + 1)})
        self.assertEqual(r.status_code, 422)
        self.assertEqual([e["field"] for e in r.json()["detail"]], ["objective"])
        data = dict(SECTIONS)
        del data["plan"]
        r = self.put(data | {"mood": "fine"})
        self.assertEqual(r.status_code, 422)
        self.assertEqual({e["field"] for e in r.json()["detail"]}, {"plan", "mood"})
        self.assertEqual(SessionNote.objects.get().objective, SECTIONS["objective"])

    def test_it_refuses_to_sign_an_empty_note_naming_it(self) -> None:
        self.put(dict.fromkeys(SECTIONS, ""))
        r = self.post("/sign")
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "note")
        self.assertFalse(SessionNote.objects.get().is_signed)

    def test_it_says_when_there_is_no_note_yet(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 404)
        r = self.post("/sign")
        self.assertEqual(r.status_code, 404)
        self.assertIn("PUT a draft first", r.json()["detail"])

    def test_it_refuses_a_future_appointment_with_409(self) -> None:
        future = make_appointment(self.bob, self.alice, hours_from_now=3)
        r = self.client.put(
            f"/api/v1/care/appointments/{future.code}/note",
            SECTIONS,
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 409)
        self.assertIn("once the session has started", r.json()["detail"])
        self.assertFalse(SessionNote.objects.exists())

    def test_it_shows_the_member_only_a_signed_note(self) -> None:
        self.put(SECTIONS)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.client.force_login(self.bob)
        self.post("/sign")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["assessment"], SECTIONS["assessment"])
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_refuses_writes_by_the_member(self) -> None:
        self.signed()
        self.client.force_login(self.alice)
        self.assertEqual(self.put(SECTIONS).status_code, 404)
        self.assertEqual(self.post("/sign").status_code, 404)
        r = self.post("/amendments", {"id": str(uuid.uuid4()), "body": "I disagree"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(NoteAmendment.objects.exists())

    def test_it_hides_the_note_from_everyone_else(self) -> None:
        self.signed()
        for person in (self.charlie, self.dave, self.carol):
            self.client.force_login(person)
            self.assertEqual(self.client.get(self.url).status_code, 404, person)
            self.assertEqual(self.put(SECTIONS).status_code, 404, person)
            self.assertEqual(self.post("/sign").status_code, 404, person)
            body = {"id": str(uuid.uuid4()), "body": "x"}
            self.assertEqual(self.post("/amendments", body).status_code, 404, person)
        self.assertEqual(self.client.get(self.url).json(), {"detail": "not found"})
        self.assertFalse(NoteAmendment.objects.exists())

    def test_it_needs_a_signed_in_person(self) -> None:
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 401)
        self.assertEqual(self.put(SECTIONS).status_code, 401)
