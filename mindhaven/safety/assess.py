"""Rule-based detection of crisis language in English and Spanish.

The rules live in rules/<language>.yaml, with the definition of each category beside its
patterns; they are compiled once, at import. Text is normalised for matching (lower case,
no accents, no apostrophes, single spaces) and every span is reported in the ORIGINAL text.

How a level is reached: each pattern match is dropped when a negation stands in the few
words before it in the same clause, or when an exclusion (hyperbole, accidents, idioms)
overlaps it. `needs_context` matches count only beside another first-person match.
Then: any urgent match, or a farewell beside any first-person match, is `urgent`; any
remaining match is `concern`; nothing is `none`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).resolve().parent / "rules"
DEFAULT_LANGUAGE = "en"
# How far back a negation may stand: words, within the clause.
NEGATION_WORDS = 3
CLAUSE_BREAK = re.compile(r"[.!?;,:\n]| but | pero | aunque | though ")
SENTENCE_BREAK = re.compile(r"[.!?\n]")
APOSTROPHES = frozenset("'\u2019\u2018\u02bc`\u00b4")


class Level(enum.StrEnum):
    NONE = "none"
    CONCERN = "concern"
    URGENT = "urgent"


RANK = {Level.NONE: 0, Level.CONCERN: 1, Level.URGENT: 2}
FIRST_PERSON_CATEGORIES = frozenset(
    {
        "active_ideation",
        "plan_means_time",
        "self_harm",
        "farewell",
        "passive_ideation",
        "hopelessness",
        "history",
    }
)


@dataclass(frozen=True)
class Reason:
    category: str  # e.g. "active_ideation"
    label: str  # e.g. "active ideation"
    level: Level
    start: int  # in the original text
    end: int
    text: str


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: tuple[Reason, ...] = ()
    locale_used: str = DEFAULT_LANGUAGE

    @property
    def is_urgent(self) -> bool:
        return self.level == Level.URGENT


# --- rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    category: str
    label: str
    level: Level
    regex: re.Pattern[str]
    needs_context: bool = False
    slang: bool = False


@dataclass(frozen=True)
class Exclusion:
    regex: re.Pattern[str]
    applies_to: frozenset[str] | None  # None: every category


@dataclass(frozen=True)
class RuleSet:
    language: str
    patterns: tuple[Pattern, ...]
    negation: re.Pattern[str]
    joke: re.Pattern[str]
    not_joking: re.Pattern[str]
    exclusions: tuple[Exclusion, ...]


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _load(language: str) -> RuleSet:
    data: dict[str, Any] = yaml.safe_load((RULES_DIR / f"{language}.yaml").read_text("utf-8"))
    patterns: list[Pattern] = []
    for category, spec in data["categories"].items():
        for item in spec["patterns"]:
            item = {"pattern": item} if isinstance(item, str) else item
            patterns.append(
                Pattern(
                    category=category,
                    label=spec["label"],
                    level=Level(item.get("level", spec["level"])),
                    regex=re.compile(item["pattern"]),
                    needs_context=bool(item.get("needs_context", False)),
                    slang=bool(item.get("slang", False)),
                )
            )
    exclusions = tuple(
        Exclusion(
            regex=re.compile(item["pattern"]),
            applies_to=frozenset(item["applies_to"]) if "applies_to" in item else None,
        )
        for item in data.get("exclusions", [])
    )
    return RuleSet(
        language=language,
        patterns=tuple(patterns),
        negation=_alternation(data["negations"]),
        joke=_alternation(data["joke_markers"]),
        not_joking=_alternation(data["not_joking"]),
        exclusions=exclusions,
    )


LANGUAGES = tuple(sorted(path.stem for path in RULES_DIR.glob("*.yaml")))
RULES: dict[str, RuleSet] = {language: _load(language) for language in LANGUAGES}


def language_for(locale: str | None) -> str | None:
    """The rules' language for a locale ("es-MX" -> "es"), or None when there are none."""
    if not locale:
        return None
    language = locale.strip().replace("_", "-").split("-")[0].lower()
    return language if language in RULES else None


# --- normalisation ------------------------------------------------------------------


@cache
def _fold(char: str) -> str:
    if char in APOSTROPHES:
        return ""
    if char.isspace():
        return " "
    decomposed = unicodedata.normalize("NFKD", char.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str) -> tuple[str, list[int]]:
    """The text for matching, and for each of its characters the index in `text`."""
    out: list[str] = []
    positions: list[int] = []
    previous_space = True
    for index, char in enumerate(text):
        folded = _fold(char)
        if folded == " ":
            if previous_space:
                continue
            previous_space = True
        elif folded:
            previous_space = False
        for c in folded:
            out.append(c)
            positions.append(index)
    return "".join(out), positions


# --- assessment --------------------------------------------------------------------


@dataclass
class _Match:
    pattern: Pattern
    start: int
    end: int
    level: Level


def _negated(rules: RuleSet, norm: str, start: int) -> bool:
    before = norm[max(0, start - 80) : start]
    breaks = list(CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    words = before.split()[-NEGATION_WORDS:]
    return bool(words) and rules.negation.search(" ".join(words)) is not None


def _sentence(norm: str, start: int, end: int) -> str:
    left = max((m.end() for m in SENTENCE_BREAK.finditer(norm, 0, start)), default=0)
    right_match = SENTENCE_BREAK.search(norm, end)
    right = right_match.start() if right_match else len(norm)
    # Emoji and "lol" often follow the full stop: look one sentence-ending further.
    return norm[left : right + 4]


def assess_text(text: str, *, locale: str | None) -> Assessment:
    """Assess one piece of free text; never raises for any string."""
    language = language_for(locale) or DEFAULT_LANGUAGE
    if not text or not text.strip():
        return Assessment(Level.NONE, (), language)
    rules = RULES[language]
    norm, positions = normalise(text)
    # No single alternation of all patterns as a pre-check: Python's re tries each
    # branch at each position, which measured slower than the patterns one by one.
    excluded = [
        (m.start(), m.end(), exclusion.applies_to)
        for exclusion in rules.exclusions
        for m in exclusion.regex.finditer(norm)
    ]
    found: list[_Match] = []
    for pattern in rules.patterns:
        for m in pattern.regex.finditer(norm):
            start, end = m.start(), m.end()
            if any(
                start < x_end and x_start < end and (scope is None or pattern.category in scope)
                for x_start, x_end, scope in excluded
            ):
                continue
            if _negated(rules, norm, start):
                continue
            level = pattern.level
            if pattern.slang and level == Level.URGENT:
                sentence = _sentence(norm, start, end)
                if rules.joke.search(sentence) and not rules.not_joking.search(norm):
                    level = Level.CONCERN
            found.append(_Match(pattern, start, end, level))

    first_person = [m for m in found if m.pattern.category in FIRST_PERSON_CATEGORIES]
    kept: list[_Match] = []
    for match in found:
        # Two context-bound signals together (a rope and "I know where") count too.
        alone = not any(
            other is not match and not other.pattern.needs_context for other in first_person
        )
        if (
            match.pattern.needs_context
            and alone
            and sum(1 for other in first_person if other.pattern.needs_context) < 2
        ):
            continue
        kept.append(match)
    if not kept:
        return Assessment(Level.NONE, (), language)

    level = max((m.level for m in kept), key=RANK.__getitem__)
    farewell = any(m.pattern.category == "farewell" for m in kept)
    ideation = any(
        m.pattern.category in FIRST_PERSON_CATEGORIES - {"farewell", "history"} for m in kept
    )
    if farewell and ideation:
        level = Level.URGENT

    reasons = tuple(
        Reason(
            category=m.pattern.category,
            label=m.pattern.label,
            level=m.level,
            start=positions[m.start],
            end=positions[m.end - 1] + 1,
            text=text[positions[m.start] : positions[m.end - 1] + 1],
        )
        for m in sorted(_dedupe(kept), key=lambda m: (m.start, m.end))
    )
    return Assessment(level, reasons, language)


def _dedupe(matches: list[_Match]) -> list[_Match]:
    """One reason per category and span: several patterns often find the same words."""
    seen: dict[tuple[str, int, int], _Match] = {}
    for m in matches:
        key = (m.pattern.category, m.start, m.end)
        if key not in seen or RANK[m.level] > RANK[seen[key].level]:
            seen[key] = m
    return list(seen.values())
