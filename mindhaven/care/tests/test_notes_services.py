import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.care.models import (
    NOTE_SECTION_MAX_LENGTH,
    Appointment,
    NoteAmendment,
    NoteLockedError,
    SessionNote,
)
from mindhaven.care.services import notes as services
from mindhaven.core.testing import BaseTestCase
from mindhaven.notifications.models import Notification

SECTIONS = {
    "subjective": "Sleeping badly since the move.",
    "objective": "Calm, good eye contact. PHQ-9 12.",
    "assessment": "Moderate low mood, improving.",
    "plan": "Sleep diary; next session in two weeks.",
}


def make_appointment(
    clinician: User, member: User, *, hours_from_now: float = -1.0, **fields: Any
) -> Appointment:
    start = timezone.now() + timedelta(hours=hours_from_now)
    return Appointment.objects.create(
        clinician=clinician, member=member, start=start, end=start + timedelta(minutes=50), **fields
    )


class NotesServicesTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.appointment = make_appointment(self.bob, self.alice)

    def save(self, **overrides: str) -> tuple[SessionNote, bool]:
        return services.save_note(
            author=self.bob, appointment=self.appointment, **(SECTIONS | overrides)
        )

    def test_it_saves_and_replaces_a_draft(self) -> None:
        note, created = self.save()
        self.assertTrue(created)
        self.assertFalse(note.is_signed)
        again, created = self.save(plan="Sleep diary.")
        self.assertFalse(created)
        self.assertEqual(again.pk, note.pk)
        self.assertEqual(SessionNote.objects.get().plan, "Sleep diary.")

    def test_it_stores_the_sections_encrypted(self) -> None:
        self.save()
        with connection.cursor() as cursor:
            cursor.execute("SELECT subjective, plan FROM care_sessionnote")
            stored = cursor.fetchone()
        self.assertNotIn("Sleeping", stored[0])
        self.assertNotIn("diary", stored[1])

    def test_it_refuses_a_section_that_is_too_long(self) -> None:
        self.save()
        with self.assertRaises(ValidationError) as caught:
            self.save(assessment="x" * (NOTE_SECTION_MAX_LENGTH + 1))
        self.assertEqual(list(caught.exception.message_dict), ["assessment"])
        self.assertEqual(SessionNote.objects.get().assessment, SECTIONS["assessment"])

    def test_it_refuses_anyone_but_the_appointments_clinician(self) -> None:
        for person in (self.dave, self.alice):
            with self.assertRaises(PermissionDenied):
                services.save_note(author=person, appointment=self.appointment, **SECTIONS)
        self.assertFalse(SessionNote.objects.exists())

    def test_it_refuses_a_note_before_the_session_starts(self) -> None:
        future = make_appointment(self.bob, self.alice, hours_from_now=2)
        with self.assertRaisesMessage(services.NoteStateError, "once the session has started"):
            services.save_note(author=self.bob, appointment=future, **SECTIONS)
        self.assertFalse(SessionNote.objects.exists())

    def test_it_refuses_a_note_for_a_cancelled_appointment(self) -> None:
        self.appointment.status = Appointment.Status.CANCELLED
        self.appointment.save()
        with self.assertRaisesMessage(services.NoteStateError, "cancelled"):
            self.save()
        self.assertFalse(SessionNote.objects.exists())

    def test_it_signs_with_a_digest_that_verifies(self) -> None:
        note, _created = self.save()
        signed = services.sign_note(author=self.bob, note=note)
        self.assertIsNotNone(signed.signed_at)
        self.assertEqual(len(signed.signed_digest), 64)
        fresh = SessionNote.objects.get()
        self.assertTrue(services.verify_note(fresh))
        assert fresh.signed_at is not None
        self.assertEqual(fresh.signed_digest, services.compute_digest(fresh, fresh.signed_at))

    def test_it_tells_the_member_without_clinical_content(self) -> None:
        note, _created = self.save()
        with self.captureOnCommitCallbacks(execute=True):
            services.sign_note(author=self.bob, note=note)
        notification = Notification.objects.get(user=self.alice)
        self.assertNotIn("Sleep", notification.title + notification.body)
        self.assertEqual(notification.url, f"/care/appointments/{self.appointment.code}/note/")

    def test_it_signs_once(self) -> None:
        note, _created = self.save()
        first = services.sign_note(author=self.bob, note=note)
        again = services.sign_note(author=self.bob, note=note)
        self.assertEqual(
            (again.signed_at, again.signed_digest), (first.signed_at, first.signed_digest)
        )
        self.assertEqual(Notification.objects.filter(user=self.alice).count(), 1)

    def test_it_refuses_to_sign_an_empty_note(self) -> None:
        note, _created = self.save(subjective="", objective=" ", assessment="", plan="")
        with self.assertRaises(ValidationError):
            services.sign_note(author=self.bob, note=note)
        self.assertFalse(SessionNote.objects.get().is_signed)

    def test_it_refuses_to_edit_a_signed_note(self) -> None:
        note, _created = self.save()
        services.sign_note(author=self.bob, note=note)
        with self.assertRaisesMessage(services.NoteStateError, "Add an amendment"):
            self.save(plan="Changed my mind.")
        self.assertEqual(SessionNote.objects.get().plan, SECTIONS["plan"])

    def test_the_model_refuses_to_change_a_signed_note(self) -> None:
        note, _created = self.save()
        services.sign_note(author=self.bob, note=note)
        stored = SessionNote.objects.get()
        stored.assessment = "Rewritten later"
        with self.assertRaises(NoteLockedError):
            stored.save()
        stored = SessionNote.objects.get()
        stored.signed_digest = "0" * 64
        with self.assertRaises(NoteLockedError):
            stored.save()
        self.assertEqual(SessionNote.objects.get().assessment, SECTIONS["assessment"])

    def test_it_detects_a_change_made_behind_the_models_back(self) -> None:
        note, _created = self.save()
        services.sign_note(author=self.bob, note=note)
        SessionNote.objects.update(plan="Changed in the database")
        self.assertFalse(services.verify_note(SessionNote.objects.get()))

    def test_it_appends_amendments_idempotently(self) -> None:
        note, _created = self.save()
        services.sign_note(author=self.bob, note=note)
        client_id = uuid.uuid4()
        first, created = services.add_amendment(
            author=self.bob, note=note, body="PHQ-9 was 14, not 12.", client_id=client_id
        )
        self.assertTrue(created)
        again, created = services.add_amendment(
            author=self.bob, note=note, body="PHQ-9 was 14, not 12.", client_id=client_id
        )
        self.assertFalse(created)
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(NoteAmendment.objects.count(), 1)
        self.assertTrue(services.verify_note(SessionNote.objects.get()))

    def test_the_model_refuses_to_edit_an_amendment(self) -> None:
        note, _created = self.save()
        services.sign_note(author=self.bob, note=note)
        amendment, _created = services.add_amendment(author=self.bob, note=note, body="First")
        amendment.body = "Rewritten"
        with self.assertRaises(NoteLockedError):
            amendment.save()
        self.assertEqual(NoteAmendment.objects.get().body, "First")

    def test_it_refuses_amendments_to_a_draft_and_empty_ones(self) -> None:
        note, _created = self.save()
        with self.assertRaisesMessage(services.NoteStateError, "edit the draft"):
            services.add_amendment(author=self.bob, note=note, body="Too early")
        services.sign_note(author=self.bob, note=note)
        with self.assertRaises(ValidationError) as caught:
            services.add_amendment(author=self.bob, note=note, body="   ")
        self.assertEqual(list(caught.exception.message_dict), ["body"])
        with self.assertRaises(PermissionDenied):
            services.add_amendment(author=self.dave, note=note, body="Not mine")
        self.assertFalse(NoteAmendment.objects.exists())

    def test_it_survives_two_first_saves_at_once(self) -> None:
        # The other request's note appears after this one looked (SQLite locks no rows).
        first, _created = self.save()
        with mock.patch.object(
            SessionNote.objects, "filter", return_value=SessionNote.objects.none()
        ):
            note, created = self.save(plan="Second writer")
        self.assertFalse(created)
        self.assertEqual(note.pk, first.pk)
        self.assertEqual(SessionNote.objects.get().plan, "Second writer")

    def test_it_survives_the_same_amendment_sent_twice_at_once(self) -> None:
        note, _created = self.save()
        services.sign_note(author=self.bob, note=note)
        client_id = uuid.uuid4()
        first, _created = services.add_amendment(
            author=self.bob, note=note, body="Once", client_id=client_id
        )
        none = NoteAmendment.objects.none()
        with mock.patch.object(NoteAmendment.objects, "filter", return_value=none):
            again, created = services.add_amendment(
                author=self.bob, note=note, body="Once", client_id=client_id
            )
        self.assertFalse(created)
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(NoteAmendment.objects.count(), 1)
