from typing import Any

from mindhaven.accounts.services import agree_to_privacy, grant_consent
from mindhaven.core.models import AuditEvent
from mindhaven.core.testing import BaseTestCase
from mindhaven.safety.models import SafetyPlan
from mindhaven.safety.services import save_safety_plan

URL = "/api/v1/safety/plan"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "warning_signs": ["I stop eating"],
        "coping_strategies": ["Music"],
        "distractions": [],
        "people": [{"name": "Maria", "phone": "+34 612 345 678"}],
        "professionals": [],
        "environment": [],
        "reasons_for_living": ["My cat"],
    }
    data.update(overrides)
    return data


class SafetyPlanApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        self.client.force_login(self.alice)

    def put(self, data: dict[str, Any]) -> Any:
        return self.client.put(URL, data, content_type="application/json")

    def test_it_returns_an_empty_plan_with_suggestions(self) -> None:
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        data = r.json()
        self.assertIsNone(data["updated_at"])
        self.assertEqual(data["warning_signs"], [])
        self.assertEqual(
            data["suggested_professionals"], [{"name": "Emergency services", "phone": "999"}]
        )

    def test_it_replaces_the_plan(self) -> None:
        r = self.put(body())
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["people"], [{"name": "Maria", "phone": "+34 612 345 678"}])
        r = self.client.get(URL)
        self.assertEqual(r.json()["reasons_for_living"], ["My cat"])
        self.assertIsNotNone(r.json()["updated_at"])
        self.assertEqual(r.json()["suggested_professionals"], [])

    def test_it_names_each_invalid_field(self) -> None:
        self.put(body())
        data = body(people=[{"name": "Maria", "phone": "call me"}])
        r = self.put(data)
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["detail"][0]["field"], "people")
        self.assertIn("phone number in item 1", r.json()["detail"][0]["message"])
        data = body(environment=["x" * 301])
        del data["distractions"]
        r = self.put(data)
        self.assertEqual(r.status_code, 422)
        fields = {error["field"] for error in r.json()["detail"]}
        self.assertEqual(fields, {"distractions", "environment.0"})
        r = self.put(body(hobbies=["x"]))
        self.assertEqual(r.status_code, 422)
        self.assertEqual(SafetyPlan.objects.get().sections["people"][0]["phone"], "+34 612 345 678")

    def test_it_refuses_staff_and_members_who_have_not_agreed(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(URL).status_code, 403)
        self.assertEqual(self.put(body()).status_code, 403)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(URL).status_code, 200)
        self.assertEqual(self.put(body()).status_code, 403)
        self.assertFalse(SafetyPlan.objects.exists())


class ClientSafetyPlanApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        agree_to_privacy(user=self.alice)
        save_safety_plan(member=self.alice, sections=body())
        self.url = f"/api/v1/clinician/clients/{self.alice.code}/safety-plan"

    def test_it_shows_bob_the_plan_with_consent_and_audits_it(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["safety_plan"])
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["reasons_for_living"], ["My cat"])
        event = AuditEvent.objects.get()
        self.assertEqual((event.actor_username, event.category), ("bob", "safety_plan"))
        self.assertEqual(event.subject_code, self.alice.code)

    def test_it_hides_the_plan_without_safety_plan_consent(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["mood"])
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_it_hides_the_plan_from_dave_charlie_and_alice(self) -> None:
        grant_consent(member=self.alice, clinician=self.bob, categories=["safety_plan"])
        for user in (self.dave, self.charlie, self.alice, self.carol):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 404, user)
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_answers_404_for_a_bad_code(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.get("/api/v1/clinician/clients/not-a-uuid/safety-plan")
        self.assertIn(r.status_code, {404, 422})
