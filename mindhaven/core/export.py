"""The export registry: every app says what a person owns, and the export zips it.

An app registers an exporter in its own `exports` module (`mindhaven/<app>/exports.py`);
`build_export` imports the `exports` module of every installed app
(django.utils.module_loading.autodiscover_modules) before it runs, so nothing else has
to import it::

    from mindhaven.core.export import ExportFile, register_exporter

    @register_exporter("mood")
    def export_mood(user: User) -> list[ExportFile]:
        rows = [{"at": e.at, "mood": e.mood, "note": e.note} for e in user.mood_entries.all()]
        return [
            ExportFile("entries.csv", rows, "Each mood check-in: when, how you felt, your note.",
                       columns=["at", "mood", "note"]),
        ]

The exporter's name is its folder in the zip, so the file above is `mood/entries.csv`.
A path ending in `.json` holds any JSON value; one ending in `.csv` holds rows (dicts,
with `columns` naming the header, needed when there may be no rows); bytes are written
as they are. Dates and times are written as ISO 8601 in UTC, UUIDs as text. Each file
needs a description in plain words: the zip's README.txt lists them all.

An exporter returns only what belongs to `user` (their own rows, and reads of their data
by others); never another person's data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import posixpath
import threading
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

Rows = Sequence[Mapping[str, Any]]
Exporter = Callable[[Any], list["ExportFile"]]
Progress = Callable[[int, int], None]

README_NAME = "README.txt"


@dataclass(frozen=True)
class ExportFile:
    """One file of the export: its path inside the exporter's folder, and its content."""

    path: str
    content: bytes | Rows | Any
    description: str
    columns: Sequence[str] | None = field(default=None)


_exporters: dict[str, Exporter] = {}
_discovered = False
_discover_lock = threading.Lock()


def register_exporter(name: str) -> Callable[[Exporter], Exporter]:
    """Register `function(user) -> list[ExportFile]` as the exporter of folder `name`."""
    _check_segment(name)

    def decorator(function: Exporter) -> Exporter:
        existing = _exporters.get(name)
        if existing is not None and existing is not function:
            same = (existing.__module__, existing.__qualname__) == (
                function.__module__,
                function.__qualname__,
            )
            if not same:
                raise ValueError(f"an exporter named {name!r} is already registered")
        _exporters[name] = function
        return function

    return decorator


def autodiscover() -> None:
    """Import every installed app's `exports` module, once."""
    global _discovered
    with _discover_lock:
        if not _discovered:
            autodiscover_modules("exports")
            _discovered = True


def registered_exporters() -> dict[str, Exporter]:
    autodiscover()
    return dict(sorted(_exporters.items()))


def _check_segment(name: str) -> None:
    if not name or name in {".", ".."} or "/" in name or "\\" in name:
        raise ValueError(f"not a folder name: {name!r}")


def _zip_path(folder: str, path: str) -> str:
    if path.startswith(folder + "/"):
        path = path[len(folder) + 1 :]
    normal = posixpath.normpath(path)
    if path.startswith("/") or "\\" in path or normal.startswith("..") or normal != path:
        raise ValueError(f"export file paths stay inside their folder: {path!r}")
    return f"{folder}/{path}"


def _plain(value: Any) -> Any:
    """A JSON- and CSV-friendly form of a value from the database."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(file: ExportFile) -> bytes:
    """The bytes of one export file."""
    if isinstance(file.content, bytes | bytearray):
        return bytes(file.content)
    if file.path.endswith(".json"):
        text = json.dumps(_plain(file.content), ensure_ascii=False, indent=2, sort_keys=False)
        return (text + "\n").encode()
    if file.path.endswith(".csv"):
        rows = list(file.content)
        columns = list(file.columns) if file.columns is not None else []
        if not columns and rows:
            columns = list(rows[0].keys())
        if not columns:
            raise ValueError(f"{file.path}: a CSV file needs columns when it may have no rows")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(column)) for column in columns])
        # A byte-order mark so that spreadsheet programs read the text as UTF-8.
        return ("\ufeff" + out.getvalue()).encode()
    raise ValueError(f"{file.path}: give bytes, or end the name with .json or .csv")


def _readme(user: Any, listed: list[tuple[str, str]], now: dt.datetime) -> str:
    name = getattr(user, "username", "")
    lines = [
        "Mindhaven: your data",
        "====================",
        "",
        f"This is everything Mindhaven keeps about you ({name}), as it was on "
        f"{now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "Each folder holds the data of one part of Mindhaven. JSON files (.json) are",
        "plain text that other programs can read. CSV files (.csv) open in any",
        "spreadsheet program; the first line names the columns.",
        "Dates and times are in UTC (ISO 8601: 2026-03-01T09:30:00+00:00).",
        "Your private notes are shown decrypted: keep this file somewhere safe.",
        "",
        "The files",
        "---------",
        "",
    ]
    for path, description in listed:
        lines.append(path)
        lines.append(f"    {description}")
        lines.append("")
    return "\n".join(lines)


def build_export(user: Any, *, progress: Progress | None = None) -> bytes:
    """A zip of everything `user` owns: README.txt and one folder per app.

    `progress(done, total)` is called after each exporter, for progress bars.
    """
    exporters = registered_exporters()
    total = len(exporters)
    now = timezone.now()
    buffer = io.BytesIO()
    listed: list[tuple[str, str]] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, (folder, exporter) in enumerate(exporters.items(), start=1):
            for file in exporter(user):
                path = _zip_path(folder, file.path)
                if path in {info[0] for info in listed}:
                    raise ValueError(f"two export files named {path}")
                archive.writestr(_zip_info(path, now), render(file))
                listed.append((path, file.description))
            if progress is not None:
                progress(done, total)
        archive.writestr(_zip_info(README_NAME, now), _readme(user, listed, now).encode())
    return buffer.getvalue()


def _zip_info(path: str, now: dt.datetime) -> zipfile.ZipInfo:
    stamp = now.astimezone(dt.UTC)
    info = zipfile.ZipInfo(path, date_time=stamp.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info
