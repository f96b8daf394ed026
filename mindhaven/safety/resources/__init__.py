"""National crisis lines (crisis_lines.yaml) and how a person's lines are chosen.

Order of choice, in lines_for():
1. the member's country setting: that country's lines;
2. otherwise the locale: lines that answer in that language, grouped by country;
3. always last, the international directory (a link to a directory, not a number).
"""

import datetime
import functools
import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).with_name("crisis_lines.yaml")
DIALABLE = re.compile(r"^\+?[0-9]+( [0-9]+)*$")


@dataclass(frozen=True)
class Line:
    name: str
    operator: str
    hours: str
    languages: tuple[str, ...]
    source_url: str
    checked: datetime.date | None
    country: str = ""
    region: str = ""
    phone: str = ""
    sms: str = ""
    sms_keyword: str = ""
    whatsapp: str = ""
    chat_url: str = ""
    audience: str = ""
    verified_via: str = ""
    # "line" for a crisis line, "directory" for the international directory link.
    kind: str = "line"
    url: str = ""
    description: str = ""
    extra: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    @property
    def tel(self) -> str:
        """The phone number as a tel: href (spaces dropped)."""
        return f"tel:{self.phone.replace(' ', '')}" if self.phone else ""

    @property
    def sms_href(self) -> str:
        if not self.sms:
            return ""
        href = f"sms:{self.sms.replace(' ', '')}"
        return f"{href}?body={self.sms_keyword}" if self.sms_keyword else href

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for the API."""
        data = asdict(self)
        data.pop("extra")
        data["languages"] = list(self.languages)
        data["checked"] = self.checked.isoformat() if self.checked else None
        data["tel"] = self.tel
        data["sms_href"] = self.sms_href
        return data


def _line(entry: dict[str, Any], kind: str = "line") -> Line:
    known = {f for f in Line.__dataclass_fields__ if f not in {"extra", "kind"}}
    values = {k: v for k, v in entry.items() if k in known}
    values["languages"] = tuple(entry.get("languages") or ())
    for key in ("phone", "sms", "whatsapp"):
        if key in values:
            values[key] = str(values[key])
    values.setdefault("hours", "")
    values.setdefault("source_url", "")
    values.setdefault("checked", None)
    extra = tuple(sorted((k, v) for k, v in entry.items() if k not in known))
    return Line(kind=kind, extra=extra, **values)


@functools.cache
def load() -> tuple[tuple[Line, ...], Line]:
    """All lines, in file order, and the directory entry."""
    with DATA_FILE.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    lines = tuple(_line(entry) for entry in data["lines"])
    directory = _line(data["directory"], kind="directory")
    return lines, directory


def all_lines() -> tuple[Line, ...]:
    return load()[0]


def directory() -> Line:
    return load()[1]


def countries() -> list[str]:
    """Country codes with at least one line, in file order."""
    return list(dict.fromkeys(line.country for line in all_lines()))


def data_digest() -> str:
    """Changes whenever the data file does (the service worker's cache name uses it)."""
    return hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()[:16]


def language_of(locale: str) -> str:
    """'es-MX', 'es_MX', 'ES' -> 'es'."""
    return re.split(r"[-_]", (locale or "").strip().lower(), maxsplit=1)[0]


def lines_for(country: str, locale: str) -> list[Line]:
    """The lines to show: the country's, else the locale's (grouped by country), then
    the international directory. The directory entry is always last."""
    code = (country or "").strip().upper()
    chosen = [line for line in all_lines() if code and line.country == code]
    if not chosen:
        language = language_of(locale)
        matching = [line for line in all_lines() if language and language in line.languages]
        order = {c: i for i, c in enumerate(countries())}
        chosen = sorted(matching, key=lambda line: order[line.country])
    return [*chosen, directory()]


def country_from_accept_language(header: str) -> str:
    """The region of the most preferred Accept-Language tag that has one ('es-MX' -> 'MX')."""
    best: tuple[float, str] = (-1.0, "")
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        pieces = re.split(r"[-_]", tag.strip())
        if len(pieces) < 2 or not re.fullmatch(r"[A-Za-z]{2}", pieces[1]):
            continue
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        # Ties keep the earlier tag.
        score = quality - index * 1e-6
        if score > best[0]:
            best = (score, pieces[1].upper())
    return best[1]
