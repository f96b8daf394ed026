"""Background tasks for mood, run by `mindhaven worker` or `mindhaven send-reminders`."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from mindhaven.accounts.models import User
from mindhaven.mood import reminders
from mindhaven.mood.models import MoodEntry, ReminderDelivery, ReminderSetting
from mindhaven.notifications.services import notify

logger = logging.getLogger("mindhaven.mood")

REMINDER_KIND = "mood.reminder"


def _zone(member: User) -> ZoneInfo:
    try:
        return ZoneInfo(member.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _checked_in(member: User, due: reminders.Due, zone: ZoneInfo) -> bool:
    start = reminders.start_of_day(due.local_date, zone)
    end = reminders.start_of_day(due.local_date + reminders.ONE_DAY, zone)
    return MoodEntry.objects.filter(
        member=member, recorded_at__gte=start, recorded_at__lt=end
    ).exists()


def _claim(setting: ReminderSetting, due: reminders.Due, now: datetime) -> bool:
    """Take the right to send this reminder; only one run, of any worker, gets it."""
    member = setting.member
    try:
        with transaction.atomic():
            ReminderDelivery.objects.create(
                member=member, local_date=due.local_date, sent_at=now, last_sent_at=now
            )
        return True
    except IntegrityError:
        pass
    # Sent already today. Once more only if the member snoozed it after it came.
    snoozed = setting.snoozed_until
    if snoozed is None or due.at != snoozed:
        return False
    claimed = ReminderDelivery.objects.filter(
        member=member, local_date=due.local_date, last_sent_at__lt=snoozed
    ).update(last_sent_at=now, sends=F("sends") + 1)
    return claimed == 1


def reminder_text(member: User) -> tuple[str, str]:
    """Title and body, in the member's language. Nothing clinical: it may be emailed."""
    with translation.override(member.locale):
        return (
            gettext("Time for a check-in"),
            gettext("A few seconds to notice how you feel. Not now? Snooze it or skip today."),
        )


def _email(member: User, title: str, body: str) -> None:
    site = settings.SITE_URL.rstrip("/")
    with translation.override(member.locale):
        text = gettext(
            "Hello %(name)s,\n\n"
            "%(body)s\n\n"
            "Check in: %(check_in)s\n"
            "Snooze or skip today: %(snooze)s\n\n"
            "You get this email because you turned on daily reminders by email. "
            "Change or stop them here: %(settings)s\n"
        ) % {
            "name": member.name,
            "body": body,
            "check_in": site + reverse("mood:check-in"),
            "snooze": site + reverse("mood:snooze"),
            "settings": site + reverse("mood:settings"),
        }
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + title,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [member.email],
    )


def _deliver(setting: ReminderSetting, due: reminders.Due, now: datetime) -> bool:
    """Claim and notify in one transaction (a failure leaves it unsent); email after."""
    member = setting.member
    title, body = reminder_text(member)
    with transaction.atomic():
        if not _claim(setting, due, now):
            return False
        notify(user=member, kind=REMINDER_KIND, title=title, body=body, url=reverse("mood:snooze"))
    return True


@task()
def send_due_reminders(now: str | None = None) -> dict[str, int]:
    """Send each member's daily reminder that is due, at most once per local date.

    Run it every few minutes (cron: `mindhaven send-reminders`, or queued for the
    worker); running it twice, or on two workers at once, sends nothing twice: the
    unique ReminderDelivery(member, local_date) row is the claim. A member who already
    checked in today is not reminded. `now` (ISO 8601) is for tests and catch-up.
    """
    moment = datetime.fromisoformat(now) if now else timezone.now()
    counts = {"sent": 0, "emailed": 0, "already_checked_in": 0}
    due_settings = ReminderSetting.objects.filter(enabled=True, member__is_active=True)
    for setting in due_settings.select_related("member").iterator():
        member = setting.member
        zone = _zone(member)
        due = reminders.todays_reminder(
            now=moment,
            at=setting.local_time,
            zone=zone,
            snoozed_until=setting.snoozed_until,
            not_before=setting.schedule_changed_at,
        )
        if not due.is_due:
            continue
        if _checked_in(member, due, zone):
            counts["already_checked_in"] += 1
            continue
        if not _deliver(setting, due, moment):
            continue
        counts["sent"] += 1
        if setting.email_enabled and member.email:
            try:
                _email(member, *reminder_text(member))
            except Exception:
                logger.exception("reminder email to %s failed", member.code)
            else:
                counts["emailed"] += 1
    return counts
