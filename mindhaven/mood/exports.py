"""The member's mood data in their export, and the rows behind the CSV download."""

from collections.abc import Iterable
from typing import Any

from mindhaven.accounts.models import User
from mindhaven.core.export import ExportFile, register_exporter, render
from mindhaven.mood.models import MoodEntry

COLUMNS = [
    "id",
    "recorded_at",
    "utc_offset_minutes",
    "mood",
    "emotions",
    "activities",
    "sleep_hours",
    "note",
]
CSV_DESCRIPTION = (
    "Each mood check-in: when (in UTC, with the UTC offset it was recorded in, in minutes), "
    "your mood from 1 (awful) to 5 (great), emotions and activities (separated by ' | '), "
    "hours of sleep and your note."
)
# Within one CSV cell, as Daylio joins activities.
LIST_SEPARATOR = " | "


def entry_row(entry: MoodEntry) -> dict[str, Any]:
    return {
        "id": entry.code,
        "recorded_at": entry.recorded_at,
        "utc_offset_minutes": entry.recorded_offset_minutes,
        "mood": entry.mood,
        "emotions": list(entry.emotions),
        "activities": list(entry.activities),
        "sleep_hours": entry.sleep_hours,
        "note": entry.note,
    }


def csv_rows(entries: Iterable[MoodEntry]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        row = entry_row(entry)
        row["emotions"] = LIST_SEPARATOR.join(row["emotions"])
        row["activities"] = LIST_SEPARATOR.join(row["activities"])
        rows.append(row)
    return rows


def entries_csv_file(entries: Iterable[MoodEntry]) -> ExportFile:
    return ExportFile("entries.csv", csv_rows(entries), CSV_DESCRIPTION, columns=COLUMNS)


def entries_csv(entries: Iterable[MoodEntry]) -> bytes:
    """The CSV download: the same bytes as mood/entries.csv in the full export."""
    return render(entries_csv_file(entries))


@register_exporter("mood")
def export_mood(user: User) -> list[ExportFile]:
    entries = list(MoodEntry.objects.filter(member=user).order_by("recorded_at", "code"))
    return [
        ExportFile(
            "entries.json",
            [entry_row(entry) for entry in entries],
            "The same check-ins as entries.csv, as JSON (emotions and activities as lists).",
        ),
        entries_csv_file(entries),
        ExportFile(
            "lists.json",
            {
                "activities": [
                    {"name": a.name, "group": a.group, "hidden": a.hidden}
                    for a in user.mood_activities.all()
                ],
                "emotions": [
                    {"name": e.name, "hidden": e.hidden} for e in user.mood_emotions.all()
                ],
            },
            "Your lists of activities and emotions to choose from, including hidden ones.",
        ),
    ]
