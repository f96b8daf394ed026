from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            if User.objects.filter(is_demo=True).exists():
                self._print_logins()
            return
        create_demo_personas(password=settings.DEMO_PASSWORD)
        self._print_logins()

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
