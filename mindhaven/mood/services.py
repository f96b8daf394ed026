"""Writes to mood data. Every check-in, edit and import goes through these functions."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mindhaven.accounts.models import User
from mindhaven.mood.models import NAME_MAX_LENGTH, NOTE_MAX_LENGTH, Activity, Emotion, MoodEntry
from mindhaven.safety import Level, assess_text
from mindhaven.safety.services import raise_alert_if_urgent

MAX_NAMES_PER_ENTRY = 50
MAX_FUTURE = timedelta(days=1)
BATCH_MAX = 500

DEFAULT_ACTIVITIES: list[tuple[str, str | Promise]] = [
    (Activity.Group.HEALTH, _("exercise")),
    (Activity.Group.HEALTH, _("walk")),
    (Activity.Group.HEALTH, _("outdoors")),
    (Activity.Group.HEALTH, _("meditation")),
    (Activity.Group.HEALTH, _("good sleep")),
    (Activity.Group.SOCIAL, _("friends")),
    (Activity.Group.SOCIAL, _("family")),
    (Activity.Group.SOCIAL, _("partner")),
    (Activity.Group.DUTIES, _("work")),
    (Activity.Group.DUTIES, _("study")),
    (Activity.Group.DUTIES, _("housework")),
    (Activity.Group.HOBBIES, _("reading")),
    (Activity.Group.HOBBIES, _("music")),
    (Activity.Group.HOBBIES, _("screen time")),
    (Activity.Group.SUBSTANCES, _("good meal")),
    (Activity.Group.SUBSTANCES, _("caffeine")),
    (Activity.Group.SUBSTANCES, _("alcohol")),
]

DEFAULT_EMOTIONS = [
    _("calm"),
    _("happy"),
    _("grateful"),
    _("hopeful"),
    _("proud"),
    _("excited"),
    _("content"),
    _("relieved"),
    _("tired"),
    _("stressed"),
    _("anxious"),
    _("sad"),
    _("lonely"),
    _("angry"),
    _("irritable"),
    _("overwhelmed"),
    _("bored"),
    _("numb"),
    _("ashamed"),
    _("confused"),
]


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = _Unset.UNSET


@dataclass(frozen=True)
class Checkin:
    """One check-in as a client sent it (the API's batch, later imports and the offline queue)."""

    client_id: UUID
    recorded_at: datetime
    mood: int
    emotions: Sequence[str] = field(default=())
    activities: Sequence[str] = field(default=())
    sleep_hours: float | None = None
    note: str = ""


# --- validation --------------------------------------------------------------


def _clean_recorded_at(value: datetime, errors: dict[str, list[str]]) -> None:
    if timezone.is_naive(value):
        errors.setdefault("recorded_at", []).append(
            str(_("The time must include a UTC offset, e.g. 2025-05-01T08:30:00+02:00."))
        )
    elif value > timezone.now() + MAX_FUTURE:
        errors.setdefault("recorded_at", []).append(
            str(_("The time is more than a day in the future."))
        )


def _clean_mood(value: object, errors: dict[str, list[str]]) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        errors.setdefault("mood", []).append(str(_("Mood must be a whole number from 1 to 5.")))


def _clean_sleep(value: float | None, errors: dict[str, list[str]]) -> None:
    if value is not None and (math.isnan(value) or not 0 <= value <= 24):
        errors.setdefault("sleep_hours", []).append(
            str(_("Hours of sleep must be between 0 and 24."))
        )


def _clean_note(value: str, errors: dict[str, list[str]]) -> None:
    if len(value) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(
            str(_("The note is longer than %(max)d characters.") % {"max": NOTE_MAX_LENGTH})
        )


def _clean_names(name: str, values: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    """Trimmed, without blanks and repeats, in the order given."""
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str):
            errors.setdefault(name, []).append(str(_("Each item must be text.")))
            return cleaned
        value = " ".join(value.split())
        if not value or value in cleaned:
            continue
        if len(value) > NAME_MAX_LENGTH:
            errors.setdefault(name, []).append(
                str(_("Each item must be at most %(max)d characters.") % {"max": NAME_MAX_LENGTH})
            )
            return cleaned
        cleaned.append(value)
    if len(cleaned) > MAX_NAMES_PER_ENTRY:
        errors.setdefault(name, []).append(
            str(_("At most %(max)d items per check-in.") % {"max": MAX_NAMES_PER_ENTRY})
        )
    return cleaned


def _offset_minutes(value: datetime) -> int:
    offset = value.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


# --- the member's lists ----------------------------------------------------------


def ensure_default_lists(member: User) -> None:
    """Create the default activities and emotions, in the member's language, the first time."""
    if Activity.objects.filter(member=member).exists() and (
        Emotion.objects.filter(member=member).exists()
    ):
        return
    with translation.override(member.locale):
        activities = [
            Activity(member=member, name=str(name), group=group, position=i)
            for i, (group, name) in enumerate(DEFAULT_ACTIVITIES)
        ]
        emotions = [
            Emotion(member=member, name=str(name), position=i)
            for i, name in enumerate(DEFAULT_EMOTIONS)
        ]
    if not Activity.objects.filter(member=member).exists():
        Activity.objects.bulk_create(activities, ignore_conflicts=True)
    if not Emotion.objects.filter(member=member).exists():
        Emotion.objects.bulk_create(emotions, ignore_conflicts=True)


def add_activity(*, member: User, name: str, group: str = Activity.Group.OTHER) -> Activity:
    """The member's activity with this name, created (or shown again) if needed."""
    errors: dict[str, list[str]] = {}
    names = _clean_names("name", [name], errors)
    if errors or not names:
        raise ValidationError(errors or {"name": [str(_("Enter a name."))]})
    ensure_default_lists(member)
    last = Activity.objects.filter(member=member).aggregate(last=Max("position"))["last"]
    activity, created = Activity.objects.get_or_create(
        member=member, name=names[0], defaults={"group": group, "position": (last or 0) + 1}
    )
    if not created and activity.hidden:
        activity.hidden = False
        activity.save(update_fields=["hidden"])
    return activity


def add_emotion(*, member: User, name: str) -> Emotion:
    """The member's emotion with this name, created (or shown again) if needed."""
    errors: dict[str, list[str]] = {}
    names = _clean_names("name", [name], errors)
    if errors or not names:
        raise ValidationError(errors or {"name": [str(_("Enter a name."))]})
    ensure_default_lists(member)
    last = Emotion.objects.filter(member=member).aggregate(last=Max("position"))["last"]
    emotion, created = Emotion.objects.get_or_create(
        member=member, name=names[0], defaults={"position": (last or 0) + 1}
    )
    if not created and emotion.hidden:
        emotion.hidden = False
        emotion.save(update_fields=["hidden"])
    return emotion


def _remember_activities(member: User, names: Sequence[str]) -> None:
    """Add activity names first used in an entry to the member's list."""
    if not names:
        return
    ensure_default_lists(member)
    known = set(
        Activity.objects.filter(member=member, name__in=names).values_list("name", flat=True)
    )
    new = [name for name in names if name not in known]
    if not new:
        return
    last = Activity.objects.filter(member=member).aggregate(last=Max("position"))["last"] or 0
    Activity.objects.bulk_create(
        [Activity(member=member, name=name, position=last + i + 1) for i, name in enumerate(new)],
        ignore_conflicts=True,
    )


# --- entries ---------------------------------------------------------------------


@transaction.atomic
def record_checkin(
    *,
    member: User,
    client_id: UUID,
    recorded_at: datetime,
    mood: int,
    emotions: Sequence[str] = (),
    activities: Sequence[str] = (),
    sleep_hours: float | None = None,
    note: str = "",
) -> tuple[MoodEntry, bool]:
    """Store a check-in once: the same client_id again returns the stored entry, unchanged.

    The note is always stored; safety.assess_text reads it once and its level is kept on
    the entry (`entry.safety_level`) for the check-in page's support panel.

    A client_id that another member already used is a validation error, so that nothing
    about their entry is revealed or changed.
    """
    existing = MoodEntry.objects.filter(code=client_id).first()
    if existing is not None:
        return _existing_for(member, existing), False
    errors: dict[str, list[str]] = {}
    _clean_recorded_at(recorded_at, errors)
    _clean_mood(mood, errors)
    _clean_sleep(sleep_hours, errors)
    _clean_note(note, errors)
    emotions = _clean_names("emotions", emotions, errors)
    activities = _clean_names("activities", activities, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            entry = MoodEntry.objects.create(
                code=client_id,
                member=member,
                recorded_at=recorded_at,
                recorded_offset_minutes=_offset_minutes(recorded_at),
                mood=mood,
                emotions=emotions,
                activities=activities,
                sleep_hours=sleep_hours,
                note=note,
                safety_level=assess_text(note, locale=member.locale).level,
            )
    except IntegrityError:
        # Another request with this id (a retry racing the original) won.
        return _existing_for(member, MoodEntry.objects.get(code=client_id)), False
    _remember_activities(member, activities)
    raise_alert_if_urgent(member=member, level=entry.safety_level, source="mood")
    return entry, True


def _existing_for(member: User, entry: MoodEntry) -> MoodEntry:
    if entry.member_id != member.pk:
        raise ValidationError(
            {"id": [str(_("This id is already in use. Generate a new id for a new entry."))]}
        )
    return entry


@transaction.atomic
def update_entry(
    *,
    entry: MoodEntry,
    recorded_at: datetime | _Unset = UNSET,
    mood: int | _Unset = UNSET,
    emotions: Sequence[str] | _Unset = UNSET,
    activities: Sequence[str] | _Unset = UNSET,
    sleep_hours: float | _Unset | None = UNSET,
    note: str | _Unset = UNSET,
) -> MoodEntry:
    """Change the given fields of an entry; the others stay as they are."""
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    was_urgent = entry.safety_level == Level.URGENT
    if not isinstance(recorded_at, _Unset):
        _clean_recorded_at(recorded_at, errors)
        entry.recorded_at = recorded_at
        entry.recorded_offset_minutes = _offset_minutes(recorded_at)
        changed += ["recorded_at", "recorded_offset_minutes"]
    if not isinstance(mood, _Unset):
        _clean_mood(mood, errors)
        entry.mood = mood
        changed.append("mood")
    if not isinstance(emotions, _Unset):
        entry.emotions = _clean_names("emotions", emotions, errors)
        changed.append("emotions")
    if not isinstance(activities, _Unset):
        entry.activities = _clean_names("activities", activities, errors)
        changed.append("activities")
    if not isinstance(sleep_hours, _Unset):
        _clean_sleep(sleep_hours, errors)
        entry.sleep_hours = sleep_hours
        changed.append("sleep_hours")
    if not isinstance(note, _Unset):
        _clean_note(note, errors)
        entry.note = note
        entry.safety_level = assess_text(note, locale=entry.member.locale).level
        changed += ["note", "safety_level"]
    if errors:
        entry.refresh_from_db()
        raise ValidationError(errors)
    if changed:
        entry.save(update_fields=[*changed, "updated_at"])
        if "activities" in changed:
            _remember_activities(entry.member, entry.activities)
        if "note" in changed and not was_urgent:
            raise_alert_if_urgent(member=entry.member, level=entry.safety_level, source="mood")
    return entry


@transaction.atomic
def delete_entry(*, entry: MoodEntry) -> None:
    entry.delete()


@transaction.atomic
def record_batch(
    *, member: User, entries: Sequence[Checkin]
) -> tuple[int, int, list[tuple[int, ValidationError]]]:
    """Store each check-in on its own: (created, already existing, [(position, error)]).

    A bad entry never stops the others from being stored.
    """
    if len(entries) > BATCH_MAX:
        raise ValidationError(
            {"entries": [str(_("At most %(max)d entries per batch.") % {"max": BATCH_MAX})]}
        )
    created = existing = 0
    errors: list[tuple[int, ValidationError]] = []
    for position, checkin in enumerate(entries):
        try:
            with transaction.atomic():
                _entry, was_created = record_checkin(
                    member=member,
                    client_id=checkin.client_id,
                    recorded_at=checkin.recorded_at,
                    mood=checkin.mood,
                    emotions=checkin.emotions,
                    activities=checkin.activities,
                    sleep_hours=checkin.sleep_hours,
                    note=checkin.note,
                )
        except ValidationError as exc:
            errors.append((position, exc))
            continue
        if was_created:
            created += 1
        else:
            existing += 1
    return created, existing, errors
