"""Background tasks for care: appointment reminders (`mindhaven send-appointment-reminders`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment
from mindhaven.care.services.booking import send_email, when_text
from mindhaven.notifications.services import notify

logger = logging.getLogger("mindhaven.care")

REMINDER_KIND = "care.reminder"
DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)


def reminder_text(user: User, appointment: Appointment, *, soon: bool) -> tuple[str, str]:
    """Title and body in `user`'s language: the time only, nothing clinical, no names."""
    with translation.override(user.locale):
        when = when_text(appointment.start, user)
        if soon:
            return gettext("Your appointment starts in an hour"), gettext(
                "Your appointment is at %(when)s."
            ) % {"when": when}
        return gettext("Your appointment is tomorrow"), gettext(
            "Your appointment is at %(when)s."
        ) % {"when": when}


def _claim(appointment: Appointment, *, soon: bool, now: datetime) -> bool:
    """Mark the reminder sent; only one run, of any worker, gets each one.

    The hour reminder also marks the day reminder: a booking made less than an hour
    ahead gets one reminder, not two at once.
    """
    base = Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED)
    if soon:
        claimed = base.filter(reminded_1h_at__isnull=True).update(reminded_1h_at=now)
        base.filter(reminded_24h_at__isnull=True).update(reminded_24h_at=now)
        return claimed == 1
    return base.filter(reminded_24h_at__isnull=True).update(reminded_24h_at=now) == 1


@task()
def send_appointment_reminders(now: str | None = None) -> dict[str, int]:
    """Remind both participants 24 hours and 1 hour before each booked appointment.

    In-app and by email, once each (the reminded_*_at columns are the claim, taken
    by a conditional UPDATE, so overlapping runs never send twice). Run it every few
    minutes. `now` (ISO 8601) is for tests and catch-up.
    """
    moment = datetime.fromisoformat(now) if now else timezone.now()
    counts = {"day": 0, "hour": 0, "emailed": 0}
    due = Appointment.objects.filter(
        status=Appointment.Status.BOOKED, start__gt=moment, start__lte=moment + DAY
    ).select_related("member", "clinician")
    for appointment in due.filter(reminded_1h_at__isnull=True).order_by("start"):
        soon = appointment.start - moment <= HOUR
        if not soon and appointment.reminded_24h_at is not None:
            continue
        with transaction.atomic():
            if not _claim(appointment, soon=soon, now=moment):
                continue
            recipients = [appointment.member, appointment.clinician]
            url = reverse("care:appointment", args=[appointment.code])
            texts = {}
            for user in recipients:
                if not user.is_active:
                    continue
                title, body = reminder_text(user, appointment, soon=soon)
                texts[user.pk] = (title, body)
                notify(user=user, kind=REMINDER_KIND, title=title, body=body, url=url)
        counts["hour" if soon else "day"] += 1
        for user in recipients:
            if user.pk in texts:
                title, body = texts[user.pk]
                with translation.override(user.locale):
                    counts["emailed"] += send_email(user=user, title=title, body=body, url=url)
    return counts
