import uuid

from django.template.loader import render_to_string
from django.test import RequestFactory

from mindhaven.care.models import NOTE_SECTION_MAX_LENGTH, Appointment, NoteAmendment, SessionNote
from mindhaven.care.services import notes as services
from mindhaven.care.tests.test_notes_services import SECTIONS, make_appointment
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase
from mindhaven.core.tests.test_i18n import ensure_messages_compiled


class NotesPagesTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_messages_compiled()

    def setUp(self) -> None:
        self.appointment = make_appointment(self.bob, self.alice)
        self.url = f"/care/appointments/{self.appointment.code}/note/"
        self.sign_url = self.url + "sign/"
        self.amend_url = self.url + "amendments/"
        self.client.force_login(self.bob)

    def signed(self) -> SessionNote:
        note, _created = services.save_note(
            author=self.bob, appointment=self.appointment, **SECTIONS
        )
        return services.sign_note(author=self.bob, note=note)

    def test_it_shows_the_soap_form_with_help(self) -> None:
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        for label in ("Subjective", "Objective", "Assessment", "Plan"):
            self.assertContains(r, f">{label}:</label>")
        self.assertContains(r, "What the client reports")
        self.assertContains(r, "What you observe")
        self.assertContains(r, "Your clinical impression")
        self.assertContains(r, "Next steps")
        self.assertContains(r, 'value="save"')
        self.assertContains(r, "Sign and lock")
        self.assertContains(r, "Session with Alice")

    def test_it_saves_a_draft(self) -> None:
        r = self.client.post(self.url, SECTIONS | {"action": "save"})
        self.assertRedirects(r, self.url)
        self.assertEqual(SessionNote.objects.get().subjective, SECTIONS["subjective"])
        r = self.client.get(self.url)
        self.assertContains(r, "Sleeping badly since the move.")
        self.assertContains(r, "Draft last saved")

    def test_it_signs_after_a_confirm_step(self) -> None:
        r = self.client.post(self.url, SECTIONS | {"action": "sign"})
        self.assertRedirects(r, self.sign_url)
        self.assertFalse(SessionNote.objects.get().is_signed)
        r = self.client.get(self.sign_url)
        self.assertContains(r, "Once you sign it, it cannot be edited")
        self.assertContains(r, "Moderate low mood, improving.")
        r = self.client.post(self.sign_url)
        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        self.assertTrue(SessionNote.objects.get().is_signed)
        r = self.client.get(self.url)
        self.assertContains(r, "The note is signed and locked.")
        self.assertContains(r, "Integrity check: the note is exactly as it was signed.")
        self.assertContains(r, SessionNote.objects.get().signed_digest)
        self.assertContains(r, "Add an amendment")
        self.assertNotContains(r, '<textarea name="subjective"')

    def test_it_shows_a_failed_integrity_check(self) -> None:
        self.signed()
        SessionNote.objects.update(plan="Changed in the database")
        r = self.client.get(self.url)
        self.assertContains(r, "Integrity check failed")

    def test_it_refuses_to_edit_a_signed_note(self) -> None:
        self.signed()
        r = self.client.post(self.url, SECTIONS | {"plan": "Rewritten", "action": "save"})
        self.assertEqual(r.status_code, 409)
        self.assertContains(r, "signed and locked", status_code=409)
        self.assertEqual(SessionNote.objects.get().plan, SECTIONS["plan"])

    def test_it_adds_an_amendment_once(self) -> None:
        self.signed()
        data = {"id": str(uuid.uuid4()), "body": "PHQ-9 was 14, not 12."}
        r = self.client.post(self.amend_url, data)
        self.assertRedirects(r, self.url)
        self.client.post(self.amend_url, data)
        self.assertEqual(NoteAmendment.objects.count(), 1)
        r = self.client.get(self.url)
        self.assertContains(r, "PHQ-9 was 14, not 12.")
        self.assertContains(r, "Added by Bob")

    def test_it_names_the_field_of_bad_input(self) -> None:
        r = self.client.post(
            self.url, SECTIONS | {"plan": "x" * (NOTE_SECTION_MAX_LENGTH + 1), "action": "save"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'href="#id_plan"', status_code=400)
        self.assertFalse(SessionNote.objects.exists())
        self.signed()
        r = self.client.post(self.amend_url, {"id": str(uuid.uuid4()), "body": ""})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'href="#id_body"', status_code=400)
        self.assertFalse(NoteAmendment.objects.exists())

    def test_it_refuses_to_sign_an_empty_note_before_storing_anything(self) -> None:
        empty = dict.fromkeys(SECTIONS, "   ")
        r = self.client.post(self.url, empty | {"action": "sign"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(
            r, "Write at least one section before signing the note.", status_code=400
        )
        self.assertFalse(SessionNote.objects.exists())
        # Saving an empty draft stays possible (a clinician may start later).
        self.assertRedirects(self.client.post(self.url, empty | {"action": "save"}), self.url)

    def test_it_explains_why_a_future_session_has_no_note_yet(self) -> None:
        future = make_appointment(self.bob, self.alice, hours_from_now=5)
        url = f"/care/appointments/{future.code}/note/"
        r = self.client.get(url)
        self.assertContains(r, "once the session has started")
        self.assertNotContains(r, "Save draft")
        r = self.client.post(url, SECTIONS | {"action": "save"})
        self.assertEqual(r.status_code, 409)
        self.assertFalse(SessionNote.objects.exists())

    def test_it_shows_the_member_the_signed_note_read_only(self) -> None:
        services.save_note(author=self.bob, appointment=self.appointment, **SECTIONS)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 404)  # a draft is bob's
        self.signed()
        r = self.client.get(self.url)
        self.assertContains(r, "Moderate low mood, improving.")
        self.assertContains(r, "Session with Bob")
        self.assertNotContains(r, "Add an amendment")
        self.assertEqual(self.client.post(self.url, SECTIONS).status_code, 404)
        self.assertEqual(self.client.post(self.sign_url).status_code, 404)
        r = self.client.post(self.amend_url, {"id": str(uuid.uuid4()), "body": "No"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(NoteAmendment.objects.exists())
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_hides_the_note_from_charlie_and_other_staff(self) -> None:
        self.signed()
        for person in (self.charlie, self.dave, self.carol):
            self.client.force_login(person)
            self.assertEqual(self.client.get(self.url).status_code, 404)
            self.assertEqual(self.client.get(self.sign_url).status_code, 404)
            r = self.client.post(self.amend_url, {"id": str(uuid.uuid4()), "body": "x"})
            self.assertEqual(r.status_code, 404)
        self.assertFalse(NoteAmendment.objects.exists())

    def test_it_has_a_print_button_and_stylesheet(self) -> None:
        self.signed()
        r = self.client.get(self.url)
        self.assertContains(r, 'class="button button-secondary" data-print hidden')
        self.assertContains(r, "care/notes/notes.css")
        self.assertContains(r, "care/notes/notes.js")

    def test_it_shows_the_page_in_spanish(self) -> None:
        self.bob.locale = "es"
        self.bob.save()
        r = self.client.get(self.url, headers={"accept-language": "es"})
        self.assertContains(r, "Nota de la sesión")
        self.assertContains(r, "Guardar borrador")
        self.assertContains(r, "Firmar y bloquear")

    def test_the_link_shows_the_clinician_and_then_the_member(self) -> None:
        def link(user: object, appointment: Appointment, has_started: bool = True) -> str:
            request = RequestFactory().get("/")
            request.user = user  # type: ignore[assignment]
            context = {"appointment": appointment, "request": request, "has_started": has_started}
            return render_to_string("care/notes/_link.html", context)

        self.assertIn("Write session note", link(self.bob, self.appointment))
        # Before the session starts there is nothing to write (the page would refuse).
        self.assertNotIn("href", link(self.bob, self.appointment, has_started=False))
        upcoming = make_appointment(self.bob, self.alice, hours_from_now=4)
        page = self.client.get(f"/care/appointments/{upcoming.code}/")
        self.assertNotContains(page, "Write session note")
        self.assertContains(
            self.client.get(f"/care/appointments/{self.appointment.code}/"), "Write session note"
        )
        self.assertNotIn("href", link(self.alice, self.appointment))
        self.assertNotIn("href", link(self.charlie, self.appointment))
        self.signed()
        appointment = Appointment.objects.get(pk=self.appointment.pk)
        self.assertIn(">Session note<", link(self.bob, appointment))
        self.assertIn(self.url, link(self.alice, appointment))
        self.assertNotIn("href", link(self.dave, appointment))

    def test_it_lists_the_clinicians_note_work(self) -> None:
        make_appointment(self.bob, self.alice, hours_from_now=4)  # not started
        cancelled = make_appointment(self.bob, self.charlie, hours_from_now=-30)
        cancelled.status = Appointment.Status.CANCELLED
        cancelled.save()
        make_appointment(self.dave, self.charlie, hours_from_now=-2)  # not bob's
        r = self.client.get("/care/notes/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, self.url, count=1)
        self.assertContains(r, "Write the note: Alice")
        self.assertContains(r, f"Times are shown in your time zone, {self.bob.timezone}.")
        self.assertNotContains(r, "Charlie")
        services.save_note(author=self.bob, appointment=self.appointment, **SECTIONS)
        r = self.client.get("/care/notes/")
        self.assertContains(r, "Draft: Alice")
        self.assertContains(r, "No sessions are waiting for a note.")
        self.signed()
        r = self.client.get("/care/notes/")
        self.assertContains(r, "No drafts.")
        self.assertContains(r, "Session with Alice")

    def test_it_keeps_the_note_list_for_clinicians(self) -> None:
        for person in (self.alice, self.charlie, self.carol):
            self.client.force_login(person)
            self.assertEqual(self.client.get("/care/notes/").status_code, 403)
