from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from mindhaven.safety.tasks import escalate_unacknowledged_alerts


class Command(BaseCommand):
    help = (
        "Email the safety contact (MINDHAVEN_SAFETY_CONTACT_EMAIL, else the administrators) "
        "about safety alerts unacknowledged for MINDHAVEN_SAFETY_ESCALATION_MINUTES. Run it "
        "every few minutes (cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_unacknowledged_alerts.call()
        self.stdout.write(
            f"{count} safety alerts escalated (after {settings.SAFETY_ESCALATION_MINUTES} minutes)"
        )
