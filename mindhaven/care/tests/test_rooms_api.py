from datetime import timedelta

from django.utils import timezone

from mindhaven.accounts import services as account_services
from mindhaven.care.models import Appointment
from mindhaven.core.testing import BaseTestCase


class RoomsApiTestCase(BaseTestCase):
    def setUp(self) -> None:
        start = timezone.now() + timedelta(minutes=5)
        self.appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        self.url = f"/api/v1/care/rooms/{self.appointment.code}"

    def test_it_gives_the_member_the_room(self) -> None:
        self.client.force_login(self.alice)
        body = self.client.get(self.url).json()
        self.assertEqual(body["appointment"], str(self.appointment.code))
        self.assertEqual(body["role"], "member")
        self.assertIsNone(body["admitted_at"])
        self.assertEqual(body["socket"], f"/ws/care/rooms/{self.appointment.code}/")

    def test_it_gives_the_clinician_the_room_with_a_token(self) -> None:
        _token, raw = account_services.issue_token(user=self.bob, name="app")
        response = self.client.get(self.url, headers={"authorization": f"Bearer {raw}"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["role"], "clinician")

    def test_it_hides_the_room_from_charlie(self) -> None:
        self.client.force_login(self.charlie)
        for url in (self.url, self.url + "/ice"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 404)
            self.assertEqual(response.json(), {"detail": "not found"})

    def test_it_answers_404_for_a_malformed_code(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get("/api/v1/care/rooms/not-a-code")
        self.assertEqual(response.status_code, 404)

    def test_it_answers_404_before_the_room_opens(self) -> None:
        start = timezone.now() + timedelta(days=1)
        later = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(f"/api/v1/care/rooms/{later.code}").status_code, 404)

    def test_it_requires_authentication(self) -> None:
        response = self.client.get(self.url + "/ice")
        self.assertEqual(response.status_code, 401)
