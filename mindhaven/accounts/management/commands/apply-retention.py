from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from mindhaven.accounts.tasks import apply_retention, purge_expired_exports


class Command(BaseCommand):
    help = (
        "Warn, then delete, accounts unused for MINDHAVEN_RETENTION_DAYS days (nothing when "
        "it is 0), and delete downloads of exports older than 24 hours. Run it daily (cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_expired_exports.call()
        if settings.RETENTION_DAYS <= 0:
            self.stdout.write(
                f"retention is off (MINDHAVEN_RETENTION_DAYS=0); {purged} old exports deleted"
            )
            return
        counts = apply_retention.call()
        self.stdout.write(
            f"retention {settings.RETENTION_DAYS} days: {counts['warned']} warned, "
            f"{counts['erased']} deleted, {counts['kept']} kept (last administrator); "
            f"{purged} old exports deleted"
        )
