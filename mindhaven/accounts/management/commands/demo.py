from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from mindhaven.accounts.demo import PERSONAS, create_demo_personas
from mindhaven.accounts.models import User


class Command(BaseCommand):
    help = "Create the demo personas (alice, bob, carol, dave, charlie) and print their logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has people in it",
        )
        parser.add_argument(
            "--call-now",
            action="store_true",
            help="also book alice with bob starting in five minutes, to try a video call",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            if User.objects.filter(is_demo=True).exists():
                self._print_logins()
        else:
            create_demo_personas(password=settings.DEMO_PASSWORD)
            self._print_logins()
        if options["call_now"]:
            self._book_call()

    def _book_call(self) -> None:
        from mindhaven.care.demo import book_demo_call

        if not User.objects.filter(username__in=["alice", "bob"], is_demo=True).count() == 2:
            raise CommandError("--call-now needs the demo personas alice and bob")
        appointment = book_demo_call()
        room = reverse("care:room", args=[appointment.code])
        self.stdout.write(
            f"A video call of alice with bob starts at {appointment.start:%H:%M} UTC. "
            f"Sign in as alice in one browser and as bob in another (or a private window), "
            f"and open {settings.SITE_URL.rstrip('/')}{room} in both."
        )

    def _print_logins(self) -> None:
        password = settings.DEMO_PASSWORD
        source = (
            "the default; set MINDHAVEN_DEMO_PASSWORD to change it"
            if password == settings.DEMO_PASSWORD_DEFAULT
            else "from MINDHAVEN_DEMO_PASSWORD"
        )
        self.stdout.write(f"Demo logins (password {password}, {source}):")
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.username:<8} {persona.role:<10} {persona.description}")
