from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from mindhaven.core.schedule import Scheduler, registered_jobs, run_due


class Command(BaseCommand):
    help = (
        "Run background tasks (reminders, imports, alerts) from the database queue, and the "
        "periodic jobs each app schedules (core/schedule.py), so no cron is needed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="run the due jobs and what is queued, then exit"
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="only run queued tasks (when cron runs the periodic jobs instead)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = not options["no_schedule"]
        if options["batch"]:
            if schedule:
                ran = run_due()
                self.stdout.write(f"periodic jobs run: {', '.join(ran) or 'none due'}")
            if _has_queue():
                call_command("db_worker", "--batch", "--no-startup-delay")
            return
        scheduler = None
        if schedule:
            names = ", ".join(
                f"{job.command} every {_interval(job.every)}" for job in registered_jobs()
            )
            self.stdout.write(f"periodic jobs: {names}")
            scheduler = Scheduler()
            scheduler.start()
        try:
            if _has_queue():
                call_command("db_worker")
            elif scheduler is not None:
                self.stdout.write("tasks run at once (no queue): only the periodic jobs run here")
                scheduler.join()
        finally:
            if scheduler is not None:
                scheduler.stop()


def _has_queue() -> bool:
    # Under tests (and with the immediate backend) tasks run when enqueued: no queue.
    return bool(settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend")


def _interval(every: timedelta) -> str:
    minutes = int(every.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
