from typing import Any

from mindhaven.accounts.services import agree_to_privacy, grant_consent
from mindhaven.core.testing import BaseTestCase
from mindhaven.mood.models import MoodEntry
from mindhaven.safety.models import SafetyAlert
from mindhaven.safety.panel import emergency_numbers
from mindhaven.safety.services import save_safety_plan

CHECK_IN = "/mood/check-in/"
SUPPORT = "/safety/support/"
URGENT = "I want to kill myself tonight"


class SupportPanelTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.client.force_login(self.alice)

    def check_in(self, note: str) -> Any:
        form = self.client.get(CHECK_IN).context["form"]
        return self.client.post(
            CHECK_IN, {"id": form["id"].value(), "mood": "1", "note": note}, follow=True
        )

    def test_it_shows_the_panel_after_an_urgent_check_in_and_saves_it(self) -> None:
        r = self.check_in(URGENT)
        self.assertEqual(r.redirect_chain, [(SUPPORT, 302)])
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Your check-in was saved.")
        self.assertContains(r, "It is saved, and nothing you wrote was lost.")
        self.assertContains(r, "You do not have to go through this alone")
        self.assertContains(r, "Mindhaven is not an emergency service.")
        self.assertContains(r, 'href="tel:999"')
        self.assertContains(r, 'href="/safety/plan/"')
        entry = MoodEntry.objects.get(member=self.alice)
        self.assertEqual((entry.note, entry.safety_level), (URGENT, "urgent"))

    def test_it_goes_on_as_usual_after_a_calm_check_in(self) -> None:
        r = self.check_in("a calm day")
        self.assertEqual(r.redirect_chain, [("/mood/", 302)])

    def test_it_shows_the_panel_again_when_the_same_check_in_comes_back(self) -> None:
        # The page's script stores the check-in through the API, then posts the form
        # with the same id: the stored entry is found, and the panel still shows.
        form = self.client.get(CHECK_IN).context["form"]
        data = {"id": form["id"].value(), "mood": "1", "note": URGENT}
        self.client.post(CHECK_IN, data)
        r = self.client.post(CHECK_IN, data)
        self.assertRedirects(r, SUPPORT)
        self.assertEqual(MoodEntry.objects.count(), 1)

    def test_it_shows_the_top_of_the_plan(self) -> None:
        save_safety_plan(
            member=self.alice,
            sections={
                "coping_strategies": ["Walk the dog", "A hot shower", "Music", "Baking"],
                "people": [{"name": "Maria", "phone": "07700 900123"}],
            },
        )
        r = self.client.get(SUPPORT)
        self.assertContains(r, "Walk the dog")
        self.assertNotContains(r, "Baking")
        self.assertContains(r, '<a href="tel:07700900123">Maria, 07700 900123</a>', html=True)
        self.assertContains(r, "Open your whole safety plan")

    def test_it_offers_to_tell_a_linked_clinician(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        r = self.check_in(URGENT)
        self.assertContains(r, 'action="/safety/alerts/notify/"')
        self.assertContains(r, "Let my clinician know</button>")

    def test_it_says_the_clinician_knows_when_alerts_are_shared(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["safety_alerts"])
        r = self.check_in(URGENT)
        self.assertEqual(SafetyAlert.objects.count(), 1)
        self.assertContains(r, "Bob has been told that you may need help.")
        self.assertNotContains(r, 'action="/safety/alerts/notify/"')

    def test_it_shows_crisis_lines_for_the_country(self) -> None:
        r = self.client.get(SUPPORT)
        self.assertContains(r, "Samaritans")
        self.assertContains(r, 'href="tel:116123"')

    def test_it_shows_charlie_no_button_and_no_number_it_does_not_know(self) -> None:
        self.client.force_login(self.charlie)
        r = self.client.get(SUPPORT)
        self.assertNotContains(r, 'action="/safety/alerts/notify/"')
        self.assertContains(r, "You have no clinician linked on Mindhaven.")
        self.assertContains(r, "Call your local emergency number.")
        self.assertNotContains(r, "Alice")

    def test_it_has_no_inline_script_or_style(self) -> None:
        html = self.client.get(SUPPORT).content.decode()
        self.assertNotIn("style=", html)
        self.assertNotIn("onclick", html)

    def test_it_speaks_spanish(self) -> None:
        self.alice.locale = "es"
        self.alice.save()
        r = self.client.get(SUPPORT)
        self.assertContains(r, "No tienes que pasar por esto a solas")
        self.assertContains(r, "Mindhaven no es un servicio de emergencias.")

    def test_it_knows_the_emergency_numbers(self) -> None:
        self.assertEqual(emergency_numbers("us"), ("911",))
        self.assertEqual(emergency_numbers("MX"), ("911",))
        self.assertEqual(emergency_numbers("ES"), ("112",))
        self.assertEqual(emergency_numbers("IE"), ("112", "999"))
        self.assertEqual(emergency_numbers("AU"), ("000",))
        self.assertEqual(emergency_numbers("NZ"), ("111",))
        self.assertEqual(emergency_numbers(""), ())
        self.assertEqual(emergency_numbers("AR"), ())
