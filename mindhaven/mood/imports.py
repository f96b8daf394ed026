"""Importing another tracker's history into a member's mood entries (Daylio's CSV).

All or nothing: the whole file is read and every row turned into an entry first; only
then are the new entries written, in one transaction. Nothing is written when a line is
not Daylio, a mood label has no level, or the time zone is unknown.

Each row gets a client id derived from the member and the row's content (uuid5), so
importing the same file again writes nothing ("duplicates") and two identical rows in
one file count once. The id uses the local time as written, not the zone, so importing
again with another zone cannot double the history either.

The import runs in the request, not as a background task. A ten-year Daylio history is
about 20,000 rows, which bulk inserts write in seconds; a task would keep the file (and
its private notes) on disk for longer and add a status to poll, for no gain. The page
shows a progress element while the request runs. Between the page's preview and its
confirmation the upload is kept encrypted under DATA_DIR/imports, deleted on confirm or
cancel, and purged after an hour when neither comes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mindhaven.accounts.models import User
from mindhaven.core.encryption import decrypt_text, encrypt_text
from mindhaven.mood import services
from mindhaven.mood.importers import daylio
from mindhaven.mood.models import (
    MOOD_FACES,
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    MoodEntry,
)
from mindhaven.safety import assess_text

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_WARNINGS = 100
# Fixed forever: changing it would make every earlier import look new.
DAYLIO_NAMESPACE = uuid.UUID("6a1f3c2e-5d4b-4e8a-9c71-0b2d9e4f7a13")
_CHUNK = 500


class UnknownMoods(Exception):
    """Mood labels that are neither Daylio defaults nor in the member's mood map."""

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__(", ".join(labels))
        self.labels = list(labels)


@dataclass
class ImportSummary:
    imported: int = 0
    duplicates: int = 0
    warnings: list[str] = field(default_factory=list)


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone of that name, or a ValidationError on `timezone`."""
    try:
        if not name or name != name.strip():
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {
                "timezone": [
                    _("“%(name)s” is not a time zone; use an IANA name such as Europe/London.")
                    % {"name": name}
                ]
            }
        ) from None


_LEGACY_ZONES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/")


@functools.cache
def timezone_names() -> list[str]:
    """Zones to choose from: "Region/City" names, without legacy aliases."""
    return sorted(
        name
        for name in available_timezones()
        if ("/" in name and not name.startswith(_LEGACY_ZONES)) or name == "UTC"
    )


def level_choices() -> list[tuple[int, str]]:
    """The five levels, best first, as the page offers them: "5 · 😄 great"."""
    return [
        (value, f"{value} · {MOOD_FACES[value]} {label}")
        for value, label in reversed(MoodEntry.Mood.choices)
    ]


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(max)d MB; Daylio exports are much smaller.")
                    % {"max": MAX_FILE_BYTES // (1024 * 1024)}
                ]
            },
            code="too_large",
        )


def mood_levels(mood_map: Mapping[str, int] | None = None) -> dict[str, int]:
    """Normalised label -> level: Daylio's defaults, overridden by the member's map."""
    levels = daylio.default_moods()
    for label, level in (mood_map or {}).items():
        levels[daylio.normalise_label(label)] = level
    return levels


def unknown_moods(parsed: daylio.DaylioFile, mood_map: Mapping[str, int] | None) -> list[str]:
    levels = mood_levels(mood_map)
    return [label for label in parsed.labels() if daylio.normalise_label(label) not in levels]


def client_id_for(member: User, row: daylio.DaylioRow, activities: Sequence[str]) -> uuid.UUID:
    parts = [
        str(member.code),
        row.local.isoformat(),
        daylio.normalise_label(row.mood),
        "|".join(activities),
        row.note,
    ]
    return uuid.uuid5(DAYLIO_NAMESPACE, "\x1f".join(parts))


def _clean_activities(row: daylio.DaylioRow, warnings: list[str]) -> list[str]:
    names: list[str] = []
    for name in row.activities:
        if len(name) > NAME_MAX_LENGTH:
            warnings.append(
                _("Line %(line)d: an activity name was cut to %(max)d characters.")
                % {"line": row.line, "max": NAME_MAX_LENGTH}
            )
            name = name[:NAME_MAX_LENGTH].rstrip()
        if name not in names:
            names.append(name)
    if len(names) > services.MAX_NAMES_PER_ENTRY:
        warnings.append(
            _("Line %(line)d: only the first %(max)d activities were kept.")
            % {"line": row.line, "max": services.MAX_NAMES_PER_ENTRY}
        )
        names = names[: services.MAX_NAMES_PER_ENTRY]
    return names


def _entry_for(
    member: User,
    row: daylio.DaylioRow,
    zone: ZoneInfo,
    levels: Mapping[str, int],
    latest: datetime,
    warnings: list[str],
) -> MoodEntry:
    if len(row.note) > NOTE_MAX_LENGTH:
        raise daylio.DaylioFormatError(
            row.line,
            _("the note is longer than %(max)d characters; shorten it in Daylio first.")
            % {"max": NOTE_MAX_LENGTH},
        )
    resolved = daylio.resolve_local(row.local, zone)
    if resolved.shifted:
        warnings.append(
            _(
                "Line %(line)d: %(time)s did not exist in %(zone)s (the clocks went "
                "forward); it was stored as %(stored)s."
            )
            % {
                "line": row.line,
                "time": f"{row.local:%Y-%m-%d %H:%M}",
                "zone": zone.key,
                "stored": f"{resolved.at:%H:%M}",
            }
        )
    elif resolved.ambiguous:
        warnings.append(
            _(
                "Line %(line)d: %(time)s happened twice in %(zone)s (the clocks went "
                "back); the first time was taken."
            )
            % {
                "line": row.line,
                "time": f"{row.local:%Y-%m-%d %H:%M}",
                "zone": zone.key,
            }
        )
    if resolved.at > latest:
        raise daylio.DaylioFormatError(
            row.line,
            _("the time is more than a day in the future in %(zone)s.") % {"zone": zone.key},
        )
    activities = _clean_activities(row, warnings)
    offset = resolved.at.utcoffset() or timedelta(0)
    return MoodEntry(
        code=client_id_for(member, row, activities),
        member=member,
        recorded_at=resolved.at,
        recorded_offset_minutes=int(offset.total_seconds() // 60),
        mood=levels[daylio.normalise_label(row.mood)],
        activities=activities,
        note=row.note,
    )


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    more = len(warnings) - MAX_WARNINGS
    return [
        *warnings[:MAX_WARNINGS],
        _("… and %(count)d more warnings.") % {"count": more},
    ]


def import_daylio(
    *,
    member: User,
    parsed: daylio.DaylioFile,
    zone: ZoneInfo,
    mood_map: Mapping[str, int] | None = None,
) -> ImportSummary:
    """Store the rows of a parsed Daylio file as the member's entries, all or nothing.

    Raises UnknownMoods (nothing written) when a label has no level, and
    DaylioFormatError for a row that cannot be an entry (a note too long, a time in
    the future). Rows already imported, by this or an earlier import, are counted as
    duplicates and left as they are.
    """
    levels = mood_levels(mood_map)
    unknown = unknown_moods(parsed, mood_map)
    if unknown:
        raise UnknownMoods(unknown)
    warnings = list(parsed.warnings)
    latest = timezone.now() + services.MAX_FUTURE
    entries: dict[uuid.UUID, MoodEntry] = {}
    for row in parsed.rows:
        entry = _entry_for(member, row, zone, levels, latest, warnings)
        entries.setdefault(entry.code, entry)
    summary = ImportSummary(duplicates=len(parsed.rows) - len(entries))
    with transaction.atomic():
        codes = list(entries)
        existing: set[uuid.UUID] = set()
        for start in range(0, len(codes), _CHUNK):
            existing.update(
                MoodEntry.objects.filter(code__in=codes[start : start + _CHUNK]).values_list(
                    "code", flat=True
                )
            )
        new = [entry for code, entry in entries.items() if code not in existing]
        for entry in new:
            # Notes are read once, like a check-in's note, where they are stored.
            entry.safety_level = assess_text(entry.note, locale=member.locale).level
        MoodEntry.objects.bulk_create(new, batch_size=_CHUNK)
        names = list(dict.fromkeys(name for entry in new for name in entry.activities))
        services._remember_activities(member, names)
    summary.imported = len(new)
    summary.duplicates += len(entries) - len(new)
    summary.warnings = _capped(warnings)
    return summary


# --- the page's upload, kept between the preview and the confirmation ----------------

# An upload nobody confirmed is deleted after this long.
UPLOAD_LIFETIME = timedelta(hours=1)


def uploads_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _upload_path(token: str) -> Path:
    if not token.isalnum():
        raise FileNotFoundError(token)
    return uploads_dir() / f"{token}.daylio"


def store_upload(text: str) -> str:
    """Keep an uploaded file (encrypted: it holds private notes) until it is confirmed.

    Returns a random token naming it. Uploads older than UPLOAD_LIFETIME are purged.
    """
    purge_uploads()
    token = secrets.token_hex(16)
    path = _upload_path(token)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(encrypt_text(text))
    return token


def read_upload(token: str) -> str:
    """The text of a kept upload; FileNotFoundError when it is gone."""
    return decrypt_text(_upload_path(token).read_text())


def delete_upload(token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _upload_path(token).unlink(missing_ok=True)


def purge_uploads() -> int:
    cutoff = time.time() - UPLOAD_LIFETIME.total_seconds()
    removed = 0
    for path in uploads_dir().glob("*.daylio"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
