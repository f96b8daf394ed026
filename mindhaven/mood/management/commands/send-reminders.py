from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mindhaven.mood.tasks import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the daily mood reminders that are due now, each at most once a day. "
        "Run it every 5 minutes from cron; --enqueue leaves it to `mindhaven worker`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the worker instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = send_due_reminders.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        counts = send_due_reminders.call()
        self.stdout.write(
            f"reminders: {counts['sent']} sent, {counts['emailed']} emailed, "
            f"{counts['already_checked_in']} not needed (checked in already)"
        )
