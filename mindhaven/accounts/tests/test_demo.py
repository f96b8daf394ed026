from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings

from mindhaven.accounts.models import User
from mindhaven.care.models import Message


class DemoTestCase(TestCase):
    def run_demo(self, *args: str) -> str:
        out = StringIO()
        call_command("demo", *args, stdout=out)
        return out.getvalue()

    @override_settings(DEMO_PASSWORD="a demo password 99")
    def test_it_creates_the_personas_with_their_roles(self) -> None:
        output = self.run_demo()
        roles = dict(User.objects.values_list("username", "role"))
        assert roles == {
            "alice": "member",
            "bob": "clinician",
            "carol": "moderator",
            "dave": "clinician",
            "charlie": "member",
        }
        alice = User.objects.get(username="alice")
        assert alice.check_password("a demo password 99")
        assert "a demo password 99" in output
        assert "alice" in output and "charlie" in output

    def test_it_does_not_force_mfa_on_demo_clinicians(self) -> None:
        self.run_demo()
        assert User.objects.get(username="bob").mfa_required is False
        real = User.objects.create_user("erin", role=User.Role.CLINICIAN, password="x" * 12)
        assert real.mfa_required is True

    def test_it_leaves_a_database_with_people_alone_when_asked(self) -> None:
        User.objects.create_user("someone", password="x" * 12)
        self.run_demo("--if-empty")
        assert not User.objects.filter(username="alice").exists()

    def test_it_is_idempotent(self) -> None:
        self.run_demo()
        self.run_demo()
        assert User.objects.count() == 5

    def test_it_opens_a_thread_with_one_welcome_message_however_often_it_runs(self) -> None:
        self.run_demo()
        self.run_demo()
        messages = Message.objects.filter(thread__member__username="alice")
        assert messages.count() == 1
        assert messages.get().author.username == "bob"
        assert "between sessions" in messages.get().body

    def test_it_puts_alice_in_new_york_and_bob_in_london(self) -> None:
        self.run_demo()
        zones = dict(User.objects.values_list("username", "timezone"))
        assert zones["alice"] == "America/New_York"
        assert zones["bob"] == "Europe/London"

    def test_it_books_a_call_to_try_now_once(self) -> None:
        from mindhaven.care.models import Appointment

        self.run_demo()
        before = Appointment.objects.count()
        output = self.run_demo("--if-empty", "--call-now")
        assert Appointment.objects.count() == before + 1
        alice = User.objects.get(username="alice")
        call = Appointment.objects.filter(member=alice).order_by("-created_at").first()
        assert call is not None and call.clinician.username == "bob"
        assert f"http://127.0.0.1:8000/care/rooms/{call.code}/" in output
        # Its room is open to alice now (from 10 minutes before the start).
        self.client.force_login(alice)
        assert self.client.get(f"/care/rooms/{call.code}/").status_code == 200
        # Asking again gives the same call, not a second one.
        again = self.run_demo("--if-empty", "--call-now")
        assert f"/care/rooms/{call.code}/" in again
        assert Appointment.objects.count() == before + 1

    def test_it_refuses_a_call_without_the_demo_people(self) -> None:
        from django.core.management.base import CommandError

        User.objects.create_user("someone", password="x" * 12)
        with self.assertRaisesMessage(CommandError, "needs the demo personas alice and bob"):
            self.run_demo("--if-empty", "--call-now")
