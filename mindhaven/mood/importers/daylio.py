"""Daylio's CSV export, as the app has written it over the years.

What the format looks like in real files:
- four header layouts (LAYOUTS), or no header at all (the layout is then told by the
  shape of the first row: a date first, and 7, 8 or 9 fields);
- a UTF-8 byte-order mark may come first; rows are newest first;
- `full_date` (YYYY-MM-DD) is the only reliable date. The oldest layout has only `year`
  and a localised `date` ("June 22", "30 May", "7 września", "16 de octubre"), so the
  month name is looked up in MONTHS;
- times have no time zone and are 24-hour ("9:03", "14:58") or 12-hour ("5:01 PM",
  "12:19 am"), sometimes both in one file;
- mood labels are free text: members rename them, and trailing spaces occur;
- activities are joined with " | " and need trimming ("work |  Sick", "cook  ");
- short rows occur (a missing note field): they are filled and reported.

The reader never guesses a time zone: it returns local, naive times. resolve_local()
turns one into an aware time for a zone, deterministically also in DST gaps and overlaps.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

# --- the layouts --------------------------------------------------------------------

_COMMON = ("date", "weekday", "time", "mood", "activities")
LAYOUTS: dict[str, tuple[str, ...]] = {
    "year": ("year", *_COMMON, "note"),
    "full_date": ("full_date", *_COMMON, "note"),
    "note_title": ("full_date", *_COMMON, "note_title", "note"),
    "scales": ("full_date", *_COMMON, "scales", "note_title", "note"),
}
# A row needs at least the fields up to the mood to be an entry.
MIN_FIELDS = 5
# Files without a header: the number of fields of a full_date row tells the layout.
_HEADERLESS_BY_WIDTH = {7: "full_date", 8: "note_title", 9: "scales"}

# --- the default mood labels ----------------------------------------------------------

# Daylio's own labels for its five levels, by language. English is Daylio's default;
# Polish is confirmed by a real export that uses exactly these five words. Spanish:
# "mal" is confirmed by a real export; the other words are the plain Spanish for the
# levels. Languages whose defaults we could not confirm are left out on purpose: an
# unknown label is asked about, a wrong default would silently misfile an entry.
DEFAULT_MOODS: dict[str, dict[str, int]] = {
    "en": {"rad": 5, "good": 4, "meh": 3, "bad": 2, "awful": 1},
    "pl": {"wspaniale": 5, "dobrze": 4, "tak sobie": 3, "źle": 2, "okropnie": 1},
    "es": {"genial": 5, "bien": 4, "mal": 2, "fatal": 1},
}


def normalise_label(label: str) -> str:
    """Labels compare without case and extra whitespace ("Sad " is "sad")."""
    return " ".join(unicodedata.normalize("NFC", label).split()).casefold()


def default_moods() -> dict[str, int]:
    """Every default label of every language, normalised, to its level."""
    levels: dict[str, int] = {}
    for labels in DEFAULT_MOODS.values():
        for label, level in labels.items():
            levels[normalise_label(label)] = level
    return levels


# --- month names ------------------------------------------------------------------------

# Full names (Polish also in the genitive that dates use) and common abbreviations,
# for English, Spanish, Polish, German, French, Portuguese and Italian.
_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    # 1
    ("january", "jan", "enero", "ene", "styczeń", "stycznia", "sty", "januar", "jänner", "jän",
     "janvier", "janv", "janeiro", "gennaio", "gen"),
    # 2
    ("february", "feb", "febrero", "luty", "lutego", "lut", "februar", "feber", "février",
     "févr", "fév", "fevereiro", "fev", "febbraio"),
    # 3
    ("march", "mar", "marzo", "marzec", "marca", "märz", "mär", "mrz", "mars", "março"),
    # 4
    ("april", "apr", "abril", "abr", "kwiecień", "kwietnia", "kwi", "avril", "avr", "aprile"),
    # 5
    ("may", "mayo", "maj", "maja", "mai", "maio", "maggio", "mag"),
    # 6
    ("june", "jun", "junio", "czerwiec", "czerwca", "cze", "juni", "juin", "junho", "giugno",
     "giu"),
    # 7
    ("july", "jul", "julio", "lipiec", "lipca", "lip", "juli", "juillet", "juil", "julho",
     "luglio", "lug"),
    # 8
    ("august", "aug", "agosto", "ago", "sierpień", "sierpnia", "sie", "août", "aout"),
    # 9
    ("september", "sep", "sept", "septiembre", "setiembre", "set", "wrzesień", "września",
     "wrz", "septembre", "setembro", "settembre"),
    # 10
    ("october", "oct", "octubre", "październik", "października", "paź", "oktober", "okt",
     "octobre", "outubro", "out", "ottobre", "ott"),
    # 11
    ("november", "nov", "noviembre", "listopad", "listopada", "lis", "novembre", "novembro"),
    # 12
    ("december", "dec", "diciembre", "dic", "grudzień", "grudnia", "gru", "dezember", "dez",
     "décembre", "déc", "dezembro", "dicembre"),
)  # fmt: skip


def _fold(word: str) -> str:
    """Lower case, without accents: "Września" and "wrzesnia" look the same."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ł", "l")


MONTHS: dict[str, int] = {}
for _number, _names in enumerate(_MONTH_NAMES, start=1):
    for _name in _names:
        for _key in (_name, _fold(_name)):
            if MONTHS.setdefault(_key, _number) != _number:  # pragma: no cover
                raise RuntimeError(f"month name {_key!r} is ambiguous")

# --- results --------------------------------------------------------------------------


class DaylioFormatError(ValueError):
    """The file is not a Daylio export (or is damaged) at `line`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class DaylioRow:
    line: int  # where the row starts in the file, counting from 1
    local: datetime  # naive: Daylio writes no time zone
    mood: str  # the label as written, without surrounding whitespace
    activities: tuple[str, ...]
    note: str  # the note title and the note, separated by a blank line when both exist


@dataclass
class DaylioFile:
    layout: str  # a key of LAYOUTS
    has_header: bool
    rows: list[DaylioRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0  # rows too short to be an entry

    @property
    def first_day(self) -> date | None:
        return min(row.local.date() for row in self.rows) if self.rows else None

    @property
    def last_day(self) -> date | None:
        return max(row.local.date() for row in self.rows) if self.rows else None

    def labels(self) -> list[str]:
        """Each distinct mood label once (normalised), in the spelling first seen."""
        seen: dict[str, str] = {}
        for row in self.rows:
            seen.setdefault(normalise_label(row.mood), row.mood)
        return list(seen.values())


# --- parsing ------------------------------------------------------------------------

_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")
_TIME = re.compile(
    r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?:(?P<ampm>[ap])\.?\s*m\.?)?$",
    re.IGNORECASE,
)


def parse_time(text: str) -> time | None:
    """ "14:58", "9:03", "5:01 PM", "12:19 am", "10:00 p. m." -> a time; None if not a time."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    ampm = (match["ampm"] or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def parse_local_date(year: int, text: str) -> date | None:
    """A year and a localised day-and-month ("June 22", "7 września", "16 de octubre")."""
    day: int | None = None
    month: int | None = None
    for word in re.findall(r"\w+", text.casefold()):
        number = re.fullmatch(r"(\d{1,2})(?:er|st|nd|rd|th|º|ª)?", word)
        if number is not None:
            if day is not None:
                return None
            day = int(number[1])
        elif month is None and (word in MONTHS or _fold(word) in MONTHS):
            month = MONTHS.get(word) or MONTHS[_fold(word)]
    if day is None or month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _split_activities(text: str) -> tuple[str, ...]:
    names: list[str] = []
    for part in text.split("|"):
        name = " ".join(part.split())
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields); csv errors name their line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DaylioFormatError(
                reader.line_num or start, _("this is not valid CSV (%(error)s).") % {"error": exc}
            ) from None
        yield start, fields
        start = reader.line_num + 1


def _header_layout(fields: list[str]) -> str | None:
    names = tuple(name.strip().casefold() for name in fields)
    for layout, columns in LAYOUTS.items():
        if names == columns:
            return layout
    return None


def _headerless_layout(fields: list[str]) -> str | None:
    if len(fields) < 4 or parse_time(fields[3]) is None:
        return None
    first = fields[0].strip()
    if _FULL_DATE.match(first):
        return _HEADERLESS_BY_WIDTH.get(len(fields))
    if _YEAR.match(first) and len(fields) == len(LAYOUTS["year"]):
        return "year"
    return None


def _not_daylio(line: int) -> DaylioFormatError:
    return DaylioFormatError(
        line,
        _(
            "this does not look like a Daylio export. Expected a header such as "
            "“full_date,date,weekday,time,mood,activities,note_title,note” "
            "or a row that starts with a date and a time, such as "
            "“2021-09-28,28 September,Tuesday,10:00 pm,good,…”."
        ),
    )


def decode(data: bytes) -> str:
    """UTF-8 text without a byte-order mark; a clear error names the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DaylioFormatError(
            line, _("this is not UTF-8 text. Export the file from Daylio again.")
        ) from None


def parse(content: bytes | str) -> DaylioFile:
    """Read a whole Daylio CSV export; raise DaylioFormatError at the first real problem."""
    text = decode(content) if isinstance(content, bytes) else content.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DaylioFormatError(line, _("the file holds binary data, not CSV text."))
    records = _records(text)
    result: DaylioFile | None = None
    for line, fields in records:
        if not any(value.strip() for value in fields):
            continue  # blank lines
        if result is None:
            layout = _header_layout(fields)
            if layout is not None:
                result = DaylioFile(layout=layout, has_header=True)
                continue
            layout = _headerless_layout(fields)
            if layout is None:
                raise _not_daylio(line)
            result = DaylioFile(layout=layout, has_header=False)
        row = _row(result, line, fields)
        if row is not None:
            result.rows.append(row)
    if result is None:
        raise DaylioFormatError(1, _("the file is empty."))
    return result


def _row(result: DaylioFile, line: int, fields: list[str]) -> DaylioRow | None:
    columns = LAYOUTS[result.layout]
    width = len(columns)
    if len(fields) > width:
        raise DaylioFormatError(
            line,
            _("expected %(expected)d fields (%(columns)s), found %(found)d.")
            % {"expected": width, "columns": ",".join(columns), "found": len(fields)},
        )
    if len(fields) < MIN_FIELDS:
        result.skipped += 1
        result.warnings.append(
            _("Line %(line)d: only %(found)d of %(expected)d fields and no mood; skipped.")
            % {"line": line, "found": len(fields), "expected": width}
        )
        return None
    if len(fields) < width:
        result.warnings.append(
            _("Line %(line)d: %(found)d of %(expected)d fields; the missing ones were left empty.")
            % {"line": line, "found": len(fields), "expected": width}
        )
        fields = fields + [""] * (width - len(fields))
    value = dict(zip(columns, fields, strict=True))

    day = _row_date(result.layout, line, value)
    at = parse_time(value["time"])
    if at is None:
        raise DaylioFormatError(
            line,
            _("“%(value)s” is not a time; expected e.g. 14:58 or 2:58 pm.")
            % {"value": value["time"].strip()},
        )
    mood = " ".join(value["mood"].split())
    if not mood:
        raise DaylioFormatError(line, _("the mood is empty."))
    title = value.get("note_title", "").strip()
    note = value["note"].strip()
    return DaylioRow(
        line=line,
        local=datetime.combine(day, at),
        mood=mood,
        activities=_split_activities(value["activities"]),
        note="\n\n".join(part for part in (title, note) if part),
    )


def _row_date(layout: str, line: int, value: dict[str, str]) -> date:
    if layout != "year":
        match = _FULL_DATE.match(value["full_date"].strip())
        try:
            if match is None:
                raise ValueError
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise DaylioFormatError(
                line,
                _("“%(value)s” is not a date; expected YYYY-MM-DD in full_date.")
                % {"value": value["full_date"].strip()},
            ) from None
    year = value["year"].strip()
    day = parse_local_date(int(year), value["date"]) if _YEAR.match(year) else None
    if day is None:
        raise DaylioFormatError(
            line,
            _(
                "“%(year)s” and “%(date)s” are not a date; expected a year such as 2018 "
                "and a day and month such as “June 22” or “22 de junio”."
            )
            % {"year": year, "date": value["date"].strip()},
        )
    return day


# --- local times to real times ------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedTime:
    at: datetime  # aware, in the zone
    shifted: bool  # the local time did not exist (a DST gap) and was moved forward
    ambiguous: bool  # the local time happened twice (a DST overlap); the first was taken


def resolve_local(local: datetime, zone: ZoneInfo) -> ResolvedTime:
    """An aware time for a naive local time in `zone`, the same every time.

    - In a gap (clocks go forward; 01:30 on 2021-03-28 never happened in London) the
      time moves forward by the gap (to 02:30 BST): zoneinfo's fold=0 reading, normalised
      through UTC.
    - In an overlap (clocks go back; 01:30 on 2021-10-31 happened twice in London) the
      first occurrence (BST, fold=0) is taken.
    """
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    at = first.astimezone(UTC).astimezone(zone)
    shifted = at.replace(tzinfo=None) != local
    ambiguous = not shifted and first.utcoffset() != second.utcoffset()
    return ResolvedTime(at=at, shifted=shifted, ambiguous=ambiguous)


def gap_length(local: datetime, zone: ZoneInfo) -> timedelta:
    """How far resolve_local moved a time in a gap (zero outside gaps)."""
    return resolve_local(local, zone).at.replace(tzinfo=None) - local
