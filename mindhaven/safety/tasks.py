"""Background tasks for safety alerts, run by `mindhaven worker` or `mindhaven escalate-alerts`."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from mindhaven.safety.models import SafetyAlert
from mindhaven.safety.services import escalate_alert, escalation_recipients

logger = logging.getLogger("mindhaven.safety")


@task()
def escalate_unacknowledged_alerts() -> int:
    """Email the safety contact about each alert unacknowledged for longer than
    SAFETY_ESCALATION_MINUTES, once per alert; returns how many were escalated.

    With no contact and no administrator with an email, nothing is marked: the alerts
    wait for the next run, and an error is logged.
    """
    cutoff = timezone.now() - timedelta(minutes=int(settings.SAFETY_ESCALATION_MINUTES))
    due = list(
        SafetyAlert.objects.filter(
            acknowledged_at__isnull=True, escalated_at__isnull=True, created_at__lte=cutoff
        ).select_related("member", "clinician")
    )
    if not due:
        return 0
    recipients = escalation_recipients()
    if not recipients:
        logger.error(
            "%d safety alerts are unacknowledged and nobody can be told: set "
            "MINDHAVEN_SAFETY_CONTACT_EMAIL or give an administrator an email address",
            len(due),
        )
        return 0
    return sum(escalate_alert(alert=alert, recipients=recipients) for alert in due)
