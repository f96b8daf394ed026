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
import importlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mindhaven.safety import semantic

logger = logging.getLogger(__name__)

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
    # Every match contains one of these literally; None: no such set could be derived.
    keywords: frozenset[str] | None = None


@dataclass(frozen=True)
class Exclusion:
    regex: re.Pattern[str]
    applies_to: frozenset[str] | None  # None: every category
    keywords: frozenset[str] | None = None


# --- keyword gate -------------------------------------------------------------------
#
# From each pattern's parse tree we derive a set of literal strings such that every match
# of the pattern contains at least one of them. A pattern whose set has no member in the
# normalised text cannot match there, so it is skipped: the gate never changes a result,
# it only saves the scan. Anything the derivation does not understand yields no set, and
# such a pattern is always run.

_parser: Any = importlib.import_module("re._parser")
_MAX_EXACT = 256  # largest set of exact strings tracked for one piece of a pattern


class _Info:
    """What a piece of a pattern can match: `exact`, every string it can match (when
    finite and small), and `required`, strings one of which each of its matches holds."""

    __slots__ = ("exact", "required")

    def __init__(self, exact: frozenset[str] | None, required: frozenset[str] | None) -> None:
        self.exact = exact
        self.required = required


def _useful(strings: frozenset[str] | None) -> frozenset[str] | None:
    return strings if strings and "" not in strings else None


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two keyword sets: longer shortest member, then fewer."""
    if a is None:
        return b
    if b is None:
        return a
    key_a = (min(map(len, a)), -len(a))
    key_b = (min(map(len, b)), -len(b))
    return a if key_a >= key_b else b


def _sequence(items: Any) -> _Info:
    run: frozenset[str] = frozenset({""})  # exact strings of the current run of pieces
    best: frozenset[str] | None = None
    exact = True  # the whole sequence so far is one run
    for op, arg in items:
        info = _node(op, arg)
        if info.exact is not None:
            product = frozenset(a + b for a in run for b in info.exact)
            if len(product) <= _MAX_EXACT:
                run = product
                continue
        exact = False
        best = _better(best, _useful(run))
        best = _better(best, info.required)
        run = info.exact if info.exact is not None else frozenset({""})
    if exact:
        return _Info(run, _useful(run))
    return _Info(None, _better(best, _useful(run)))


def _node(op: Any, arg: Any) -> _Info:
    if op == _parser.LITERAL:
        char = chr(arg)
        return _Info(frozenset({char}), frozenset({char}))
    if op in (_parser.AT, _parser.ASSERT, _parser.ASSERT_NOT):
        return _Info(frozenset({""}), None)  # zero width: adds nothing to the match
    if op == _parser.SUBPATTERN:
        _group, add_flags, del_flags, items = arg
        if add_flags or del_flags:
            return _Info(None, None)
        return _sequence(items)
    if op == _parser.BRANCH:
        infos = [_sequence(branch) for branch in arg[1]]
        exact: frozenset[str] | None = None
        if all(info.exact is not None for info in infos):
            exact = frozenset().union(*(info.exact or () for info in infos))
            if len(exact) > _MAX_EXACT:
                exact = None
        required: frozenset[str] | None = None
        if all(info.required is not None for info in infos):
            required = frozenset().union(*(info.required or () for info in infos))
        return _Info(exact, _better(required, _useful(exact)))
    if op == _parser.IN:
        if all(item_op == _parser.LITERAL for item_op, _ in arg) and len(arg) <= 16:
            chars = frozenset(chr(code) for _, code in arg)
            return _Info(chars, chars)
        return _Info(None, None)
    if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
        low, high, items = arg
        info = _sequence(items)
        if low == 0 and high == 1 and info.exact is not None:
            return _Info(info.exact | {""}, None)
        if low == high == 1:
            return info
        return _Info(None, info.required if low >= 1 else None)
    return _Info(None, None)


def keywords(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of `pattern` contains, or None."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:  # no gate for what we cannot parse
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    required = _sequence(list(parsed)).required
    return _cover(required) if required else None


def _cover(strings: frozenset[str]) -> frozenset[str]:
    """Fewer, shorter strings, one of which each of `strings` contains: any text holding
    one of `strings` holds one of these, so they gate a pattern as safely and faster."""
    chosen: set[str] = set()
    left = set(strings)
    while left:
        counts: dict[str, int] = {}
        for string in left:
            if len(string) < 4:
                counts[string] = counts.get(string, 0) + 1
                continue
            subs = {
                string[i : i + size]
                for size in range(4, min(8, len(string)) + 1)
                for i in range(len(string) - size + 1)
            }
            for sub in subs:
                counts[sub] = counts.get(sub, 0) + 1
        best = max(counts, key=lambda sub: (counts[sub], len(sub), sub))
        chosen.add(best)
        left = {string for string in left if best not in string}
    return frozenset(chosen)


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
                    keywords=keywords(item["pattern"]),
                )
            )
    exclusions = tuple(
        Exclusion(
            regex=re.compile(item["pattern"]),
            applies_to=frozenset(item["applies_to"]) if "applies_to" in item else None,
            keywords=keywords(item["pattern"]),
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
    """Assess one piece of free text; never raises for any string.

    The rules decide. When they find nothing and the optional semantic second stage is
    installed and switched on (safety/semantic.py), it may raise `none` to `concern`.
    """
    result = assess_rules(text, locale=locale)
    if result.level == Level.NONE and text and text.strip() and semantic.enabled():
        try:
            result = semantic.second_stage(text, result)
        except Exception:  # the rules' result stands; never fail a write over the model
            logger.exception("safety: the semantic second stage failed")
    return result


def assess_rules(text: str, *, locale: str | None) -> Assessment:
    """The rules alone (the first stage). People write in more than one language (a
    Spanish page, an English sentence): the rules of the page's language run first, then
    those of every other language the rules know while nothing urgent is found, and the
    highest level stands (the page's language wins a tie). `locale_used` names the
    language whose rules found the result."""
    language = language_for(locale) or DEFAULT_LANGUAGE
    if not text or not text.strip():
        return Assessment(Level.NONE, (), language)
    norm, positions = normalise(text)  # once: the same for every language's rules
    result = _assess_in(text, norm, positions, language)
    for other in LANGUAGES:
        if result.is_urgent:
            break
        if other != language:
            candidate = _assess_in(text, norm, positions, other)
            if RANK[candidate.level] > RANK[result.level]:
                result = candidate
    return result


def _assess_in(text: str, norm: str, positions: list[int], language: str) -> Assessment:
    """The rules of one language, on `text` normalised as `norm` (see `normalise`)."""
    rules = RULES[language]
    # No single alternation of all patterns as a pre-check: Python's re tries each
    # branch at each position, which measured slower than the patterns one by one.
    # Instead a pattern runs only when one of its keywords is in the text (see `keywords`).
    present: dict[str, bool] = {}

    def gate(words: frozenset[str] | None) -> bool:
        if words is None:
            return True
        for word in words:
            hit = present.get(word)
            if hit is None:
                hit = present[word] = word in norm
            if hit:
                return True
        return False

    excluded = [
        (m.start(), m.end(), exclusion.applies_to)
        for exclusion in rules.exclusions
        if gate(exclusion.keywords)
        for m in exclusion.regex.finditer(norm)
    ]
    found: list[_Match] = []
    for pattern in rules.patterns:
        if not gate(pattern.keywords):
            continue
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
