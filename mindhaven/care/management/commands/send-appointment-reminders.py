from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mindhaven.care.tasks import send_appointment_reminders


class Command(BaseCommand):
    help = (
        "Remind both people of appointments 24 hours and 1 hour before they start, once "
        "each. Run it every 5 minutes from cron; --enqueue leaves it to `mindhaven worker`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the worker instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = send_appointment_reminders.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        counts = send_appointment_reminders.call()
        self.stdout.write(
            f"appointment reminders: {counts['day']} a day ahead, {counts['hour']} an hour "
            f"ahead, {counts['emailed']} emails"
        )
