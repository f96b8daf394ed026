import base64
import hashlib
import hmac
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from mindhaven.care.ice import ice_servers_for, turn_credentials
from mindhaven.care.models import Appointment
from mindhaven.core.testing import BaseTestCase

SECRET = "north-stair-lantern-91"
TURN = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp"]
STUN = ["stun:turn.example.org:3478"]


class RoomsIceTestCase(BaseTestCase):
    def test_it_makes_coturn_rest_credentials(self) -> None:
        username, credential = turn_credentials(
            secret=SECRET, user_code="5c0ffee0-0000-4000-8000-000000000001", ttl=3600, now=1.8e9
        )
        self.assertEqual(username, "1800003600:5c0ffee0-0000-4000-8000-000000000001")
        # Computed independently: what coturn does with static-auth-secret.
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
        ).decode()
        self.assertEqual(credential, expected)
        # A fixed vector, so that a change of algorithm (not only of both sides) fails.
        self.assertEqual(
            turn_credentials(secret="secret", user_code="alice", ttl=0, now=0),
            ("0:alice", "hwDGAvwLvNQsplM2JZ2ug0Bavds="),  # openssl dgst -sha1 -hmac
        )

    @override_settings(
        MINDHAVEN_STUN_URLS=STUN,
        MINDHAVEN_TURN_URLS=TURN,
        MINDHAVEN_TURN_SECRET=SECRET,
        MINDHAVEN_TURN_TTL=600,
    )
    def test_it_gives_stun_and_turn_with_a_secret(self) -> None:
        servers = ice_servers_for(self.alice, now=1_000.0)
        self.assertEqual(servers[0], {"urls": STUN})
        turn = servers[1]
        self.assertEqual(turn["urls"], TURN)
        self.assertEqual(turn["username"], f"1600:{self.alice.code}")
        digest = hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
        self.assertEqual(turn["credential"], base64.b64encode(digest).decode())

    @override_settings(MINDHAVEN_STUN_URLS=STUN, MINDHAVEN_TURN_URLS=TURN, MINDHAVEN_TURN_SECRET="")
    def test_it_leaves_turn_out_without_a_secret(self) -> None:
        self.assertEqual(ice_servers_for(self.alice), [{"urls": STUN}])

    @override_settings(MINDHAVEN_STUN_URLS=[], MINDHAVEN_TURN_URLS=[], MINDHAVEN_TURN_SECRET="")
    def test_it_gives_nothing_on_one_machine(self) -> None:
        self.assertEqual(ice_servers_for(self.alice), [])

    @override_settings(
        MINDHAVEN_STUN_URLS=[], MINDHAVEN_TURN_URLS=TURN, MINDHAVEN_TURN_SECRET=SECRET
    )
    def test_it_serves_credentials_per_person_through_the_api(self) -> None:
        start = timezone.now() + timedelta(minutes=5)
        appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        url = f"/api/v1/care/rooms/{appointment.code}/ice"
        self.client.force_login(self.alice)
        body = self.client.get(url).json()
        self.assertTrue(body["ice_servers"][0]["username"].endswith(f":{self.alice.code}"))
        self.assertGreater(body["ttl"], 0)
        self.assertEqual(body["ice_transport_policy"], "all")
        self.client.force_login(self.charlie)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"detail": "not found"})

    @override_settings(
        MINDHAVEN_STUN_URLS=[],
        MINDHAVEN_TURN_URLS=TURN,
        MINDHAVEN_TURN_SECRET=SECRET,
        MINDHAVEN_ICE_RELAY_ONLY=True,
    )
    def test_it_tells_the_page_and_the_api_to_relay_every_call(self) -> None:
        start = timezone.now() + timedelta(minutes=5)
        appointment = Appointment.objects.create(
            member=self.alice, clinician=self.bob, start=start, end=start + timedelta(minutes=50)
        )
        self.client.force_login(self.alice)
        body = self.client.get(f"/api/v1/care/rooms/{appointment.code}/ice").json()
        self.assertEqual(body["ice_transport_policy"], "relay")
        page = self.client.get(f"/care/rooms/{appointment.code}/")
        self.assertContains(page, 'data-ice-policy="relay"')
