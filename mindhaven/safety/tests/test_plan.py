from unittest import mock

from django.db import connection

from mindhaven.accounts.services import agree_to_privacy, grant_consent
from mindhaven.core.testing import BaseTestCase
from mindhaven.safety import assess_text
from mindhaven.safety.forms import parse_contact
from mindhaven.safety.models import SafetyPlan
from mindhaven.safety.services import save_safety_plan

PLAN = "/safety/plan/"
EDIT = "/safety/plan/edit/"
DOWNLOAD = "/safety/plan/download/"


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "warning_signs": "I stop answering messages\nI can't sleep",
        "coping_strategies": "A hot shower\nWalk the dog\n\n",
        "distractions": "The park",
        "people": "Maria, 612 345 678\nMy brother Tom",
        "professionals": "Dr Lopez +34 91 123 45 67",
        "environment": "Give my pills to Maria",
        "reasons_for_living": "My daughter",
    }
    data.update(overrides)
    return data


class SafetyPlanTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.client.force_login(self.alice)

    def test_it_shows_a_new_plan_with_suggested_professionals(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        r = self.client.get(PLAN)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Bob (my clinician on Mindhaven)")
        self.assertContains(r, 'href="tel:999"')  # alice lives in GB
        self.assertContains(r, "Write your plan")
        self.assertContains(r, "Mindhaven is not an emergency service.")
        self.assertFalse(SafetyPlan.objects.exists())

    def test_it_prefills_the_edit_form_with_the_suggestions(self) -> None:
        r = self.client.get(EDIT)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Emergency services, 999")
        self.assertContains(r, "My warning signs")
        self.assertContains(r, "One per line: name, then phone number.")

    def test_it_saves_the_plan_one_item_per_line(self) -> None:
        r = self.client.post(EDIT, form_data())
        self.assertRedirects(r, PLAN)
        sections = SafetyPlan.objects.get(member=self.alice).sections
        self.assertEqual(sections["coping_strategies"], ["A hot shower", "Walk the dog"])
        self.assertEqual(
            sections["people"],
            [{"name": "Maria", "phone": "612 345 678"}, {"name": "My brother Tom", "phone": ""}],
        )
        self.assertEqual(
            sections["professionals"], [{"name": "Dr Lopez", "phone": "+34 91 123 45 67"}]
        )
        r = self.client.get(PLAN)
        self.assertContains(r, '<a href="tel:612345678">Maria, 612 345 678</a>', html=True)
        self.assertContains(r, "Change your plan")

    def test_it_removes_an_item_when_its_line_goes(self) -> None:
        self.client.post(EDIT, form_data())
        self.client.post(EDIT, form_data(coping_strategies="Walk the dog"))
        sections = SafetyPlan.objects.get(member=self.alice).sections
        self.assertEqual(sections["coping_strategies"], ["Walk the dog"])

    def test_it_stores_the_plan_encrypted(self) -> None:
        self.client.post(EDIT, form_data(reasons_for_living="MARKER-7f3a my daughter"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT content FROM safety_safetyplan")
            (raw,) = cursor.fetchone()
        self.assertTrue(raw.startswith("fernet:"))
        self.assertNotIn("MARKER-7f3a", raw)

    def test_it_assesses_the_plan_once_and_saves_urgent_text(self) -> None:
        with mock.patch("mindhaven.safety.services.assess_text", wraps=assess_text) as spy:
            self.client.post(EDIT, form_data(warning_signs="I want to kill myself tonight"))
        spy.assert_called_once()
        plan = SafetyPlan.objects.get(member=self.alice)
        self.assertEqual(plan.sections["warning_signs"], ["I want to kill myself tonight"])
        self.assertEqual(plan.safety_level, "urgent")

    def test_it_rejects_a_bad_phone_number_and_changes_nothing(self) -> None:
        self.client.post(EDIT, form_data())
        r = self.client.post(EDIT, form_data(people="Maria, 612 345 678\n" + "x" * 130))
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "Nothing was saved", status_code=400)
        self.assertContains(r, "longer than 120 characters", status_code=400)
        sections = SafetyPlan.objects.get(member=self.alice).sections
        self.assertEqual(len(sections["people"]), 2)

    def test_it_rejects_an_item_that_is_too_long(self) -> None:
        r = self.client.post(EDIT, form_data(environment="y" * 301))
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "Item 1 is longer than 300 characters.", status_code=400)
        self.assertFalse(SafetyPlan.objects.exists())

    def test_it_offers_a_copy_to_keep_on_the_device(self) -> None:
        self.client.post(EDIT, form_data())
        r = self.client.get(DOWNLOAD)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "text/plain; charset=utf-8")
        self.assertIn("attachment", r["Content-Disposition"])
        self.assertEqual(r["Cache-Control"], "no-store")
        text = r.content.decode()
        self.assertIn("- Maria, 612 345 678", text)
        self.assertIn("My reasons for living", text)
        self.assertIn("Mindhaven is not an emergency service.", text)

    def test_it_has_a_print_stylesheet_and_no_inline_script(self) -> None:
        r = self.client.get(PLAN)
        html = r.content.decode()
        self.assertIn("/static/safety/safety.css", html)
        self.assertIn('type="module" src="/static/safety/plan.js"', html)
        self.assertNotIn("onclick", html)
        self.assertNotIn("style=", html)

    def test_it_is_linked_from_the_help_page_when_signed_in(self) -> None:
        r = self.client.get("/help/")
        self.assertContains(r, 'href="/safety/plan/"')
        self.client.logout()
        r = self.client.get("/help/")
        self.assertNotContains(r, 'href="/safety/plan/"')

    def test_it_speaks_spanish(self) -> None:
        self.alice.locale = "es"
        self.alice.save()
        r = self.client.get(EDIT, headers={"accept-language": "es"})
        self.assertContains(r, "Mis señales de alerta")
        r = self.client.get(PLAN, headers={"accept-language": "es"})
        self.assertContains(r, "Tu plan de seguridad")

    def test_it_keeps_the_plan_from_charlie(self) -> None:
        save_safety_plan(member=self.alice, sections={"reasons_for_living": ["alice's secret"]})
        self.client.force_login(self.charlie)
        r = self.client.get(PLAN)
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "alice&#x27;s secret")
        self.assertNotContains(r, "alice's secret")
        r = self.client.get(DOWNLOAD)
        self.assertNotIn("alice's secret", r.content.decode())

    def test_it_asks_charlie_to_agree_to_the_privacy_summary_before_writing(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get(EDIT)
        self.assertRedirects(r, "/accounts/privacy/agree/?next=%2Fsafety%2Fplan%2Fedit%2F")

    def test_it_is_for_members_only(self) -> None:
        self.client.force_login(self.bob)
        for url in (PLAN, EDIT, DOWNLOAD):
            self.assertEqual(self.client.get(url).status_code, 403, url)

    def test_it_rejects_unknown_sections_in_the_service(self) -> None:
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as caught:
            save_safety_plan(member=self.alice, sections={"hobbies": ["x"]})
        self.assertIn("sections", caught.exception.message_dict)
        self.assertFalse(SafetyPlan.objects.exists())


class ParseContactTestCase(BaseTestCase):
    def test_it_splits_a_trailing_phone_number(self) -> None:
        self.assertEqual(
            parse_contact("Samaritans 116 123"), {"name": "Samaritans", "phone": "116 123"}
        )
        self.assertEqual(
            parse_contact("Ana - (55) 1234-5678"), {"name": "Ana", "phone": "(55) 1234-5678"}
        )
        self.assertEqual(parse_contact("Room 101 friend"), {"name": "Room 101 friend", "phone": ""})
        self.assertEqual(parse_contact("112"), {"name": "112", "phone": ""})


class SafetyExportTestCase(BaseTestCase):
    def test_it_puts_the_plan_in_the_members_export(self) -> None:
        import io
        import json
        import zipfile

        from mindhaven.core.export import build_export

        agree_to_privacy(user=self.alice)
        save_safety_plan(member=self.alice, sections={"reasons_for_living": ["My cat"]})
        save_safety_plan(member=self.charlie, sections={"reasons_for_living": ["charlie's"]})
        archive = zipfile.ZipFile(io.BytesIO(build_export(self.alice)))
        plan = json.loads(archive.read("safety/safety_plan.json"))
        self.assertEqual(plan["reasons_for_living"], ["My cat"])
        self.assertNotIn(b"charlie's", b"".join(archive.read(n) for n in archive.namelist()))
