"""The labelled evaluation set (README.md) and the figures computed from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from mindhaven.safety.assess import Assessment, Level, assess_text

HERE = Path(__file__).resolve().parent
LEVELS = (Level.NONE, Level.CONCERN, Level.URGENT)


@dataclass(frozen=True)
class Item:
    language: str
    split: str  # "tuning", "heldout" or "paraphrase"
    kind: str  # "statement" or "post"
    level: Level
    text: str


SPLITS = {"tuning": "statements", "heldout": "heldout", "paraphrase": "paraphrases"}


def load(
    languages: Iterable[str] = ("en", "es"), splits: Iterable[str] = ("tuning", "heldout")
) -> list[Item]:
    """The rules' set is tuning + heldout; "paraphrase" (semantic stage) is asked for."""
    items: list[Item] = []
    for language in languages:
        for split in splits:
            stem = SPLITS[split]
            data = yaml.safe_load((HERE / f"{stem}_{language}.yaml").read_text("utf-8"))
            for kind, key in (("statement", "statements"), ("post", "posts")):
                items.extend(
                    Item(language, split, kind, Level(entry["level"]), entry["text"])
                    for entry in data.get(key) or []
                )
    return items


@dataclass(frozen=True)
class Figures:
    count: int
    recall: dict[Level, float | None]
    precision: dict[Level, float | None]
    false_positive_rate: float | None  # labelled none, assessed concern or urgent
    wrong: list[tuple[Item, Level]]


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


Assess = Callable[..., Assessment]


def measure(items: list[Item], assess: Assess = assess_text) -> Figures:
    pairs = [(item, assess(item.text, locale=item.language).level) for item in items]
    recall: dict[Level, float | None] = {}
    precision: dict[Level, float | None] = {}
    for level in LEVELS:
        hits = sum(1 for item, got in pairs if item.level == level and got == level)
        recall[level] = _ratio(hits, sum(1 for item, _ in pairs if item.level == level))
        precision[level] = _ratio(hits, sum(1 for _, got in pairs if got == level))
    negatives = [got for item, got in pairs if item.level == Level.NONE]
    fpr = _ratio(sum(1 for got in negatives if got != Level.NONE), len(negatives))
    wrong = [(item, got) for item, got in pairs if got != item.level]
    return Figures(len(items), recall, precision, fpr, wrong)
