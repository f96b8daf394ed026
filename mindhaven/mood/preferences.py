"""A member's reminder and streak preferences: reading, changing, snoozing."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mindhaven.accounts.models import User
from mindhaven.mood import reminders
from mindhaven.mood.models import ReminderSetting

TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")


def get_reminder_setting(member: User) -> ReminderSetting:
    """The member's preferences; the defaults (all off), unsaved, until they change one."""
    setting = ReminderSetting.objects.filter(member=member).first()
    return setting if setting is not None else ReminderSetting(member=member)


def parse_local_time(value: object, field: str = "reminder_time") -> time:
    """A wall-clock time "HH:MM" from 00:00 to 23:59, or a ValidationError naming `field`."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = TIME_PATTERN.match(value.strip()) if isinstance(value, str) else None
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise ValidationError(
        {field: [_("Enter a time of day as HH:MM, from 00:00 to 23:59 (for example 09:30).")]}
    )


def next_reminder_at(setting: ReminderSetting, now: datetime | None = None) -> datetime | None:
    """When the next reminder comes, snooze included; None when reminders are off."""
    if not setting.enabled:
        return None
    now = now or timezone.now()
    zone = ZoneInfo(setting.member.timezone)
    today = reminders.local_date(now, zone)
    for day in (today, today + reminders.ONE_DAY):
        due = reminders.local_instant(day, setting.local_time, zone)
        if setting.snoozed_until is not None and setting.snoozed_until > due:
            due = setting.snoozed_until
        if now < due < reminders.start_of_day(day + reminders.ONE_DAY, zone):
            return due
    return reminders.local_instant(today + 2 * reminders.ONE_DAY, setting.local_time, zone)


@transaction.atomic
def update_reminder_setting(
    *,
    member: User,
    enabled: bool,
    local_time: time,
    email_enabled: bool,
    show_streak: bool,
) -> ReminderSetting:
    """Save the member's choices. A new time or turning reminders on clears any snooze.

    A reminder that was already due today when the schedule changed is not sent (it
    would arrive at once, at a time nobody chose); the next one is.
    """
    setting, _created = ReminderSetting.objects.select_for_update().get_or_create(member=member)
    local_time = parse_local_time(local_time)
    schedule_changed = (
        _created or setting.local_time != local_time or (enabled and not setting.enabled)
    )
    setting.enabled = enabled
    setting.local_time = local_time
    setting.email_enabled = email_enabled
    setting.show_streak = show_streak
    if schedule_changed:
        setting.schedule_changed_at = timezone.now()
        setting.snoozed_until = None
    setting.save()
    return setting


@transaction.atomic
def snooze_reminder(
    *, member: User, skip_today: bool = False, now: datetime | None = None
) -> ReminderSetting:
    """Delay today's reminder by an hour, or skip it; its next send is claimed once (tasks)."""
    now = now or timezone.now()
    setting, _created = ReminderSetting.objects.select_for_update().get_or_create(member=member)
    zone = ZoneInfo(member.timezone)
    if skip_today:
        setting.snoozed_until = reminders.skip_today_until(now=now, zone=zone)
    else:
        setting.snoozed_until = reminders.snooze_until(now=now, at=setting.local_time, zone=zone)
    setting.save(update_fields=["snoozed_until"])
    return setting
