"""Recall, precision and false-positive rate of safety.assess_text on the evaluation set.

    .venv/bin/python bench/safety_eval.py [--wrong] [--ml]

Per language and split (tuning / held-out), for statements and long posts together, and
for the long posts alone. False-positive rate: of the items labelled `none`, the share
assessed `concern` or `urgent`. --wrong lists every item assessed differently.

--ml compares, for every group, the rules alone ("rules") with the rules followed by the
semantic second stage ("+ml", safety/semantic.py, forced on whatever the setting says),
and adds the paraphrase sets written for the second stage. It needs the model installed.
"""

import sys
import time

from mindhaven.safety import semantic
from mindhaven.safety.assess import Assessment, assess_rules
from mindhaven.safety.evaluation import LEVELS, Figures, Item, load, measure


def rules_and_ml(text: str, *, locale: str | None) -> Assessment:
    return semantic.second_stage(text, assess_rules(text, locale=locale))


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.3f}"


def row(name: str, figures: Figures) -> str:
    cells = " ".join(
        f"{_fmt(figures.recall[level])} {_fmt(figures.precision[level])}" for level in LEVELS
    )
    return f"{name:<24} {figures.count:>4}  {cells}   {_fmt(figures.false_positive_rate)}"


def main_ml() -> None:
    if not semantic.available():
        print(
            "The semantic stage is not installed (pip install mindhaven[ml]); nothing to compare."
        )
        return
    items = load(splits=("tuning", "heldout", "paraphrase"))
    header = "recall/precision: " + "   ".join(f"{level.value:<11}" for level in LEVELS)
    print(f"{'':<24} {'n':>4}  {header}   FPR")

    def select(**want: str) -> list[Item]:
        return [i for i in items if all(getattr(i, k) == v for k, v in want.items())]

    groups: list[tuple[str, list[Item]]] = [
        ("rules' set", [i for i in items if i.split != "paraphrase"]),
    ]
    for language in ("en", "es"):
        for split in ("tuning", "heldout", "paraphrase"):
            groups.append((f"{language} {split}", select(language=language, split=split)))
    started = time.perf_counter()
    semantic.exemplars("en"), semantic.exemplars("es")
    print(f"(model and exemplars loaded in {time.perf_counter() - started:.1f} s)")
    for name, group in groups:
        for label, assess in (("rules", assess_rules), ("+ml", rules_and_ml)):
            figures = measure(group, assess)
            print(row(f"{name:<18} {label:<5}", figures))
    if "--wrong" in sys.argv:
        for item, got in measure(items, rules_and_ml).wrong:
            match = semantic.nearest(item.text, item.language)
            detail = (
                f" ({match.label} {match.similarity:.2f}, look-alike {match.benign:.2f})"
                if match
                else ""
            )
            print(
                f"[{item.language} {item.split}] labelled {item.level.value}, "
                f"got {got.value}{detail}:"
            )
            print(f"    {item.text!r}")


def main() -> None:
    if "--ml" in sys.argv:
        main_ml()
        return
    items = load()
    header = "recall/precision: " + "   ".join(f"{level.value:<11}" for level in LEVELS)
    print(f"{'':<24} {'n':>4}  {header}   FPR")

    def select(**want: str) -> list[Item]:
        return [i for i in items if all(getattr(i, k) == v for k, v in want.items())]

    groups: list[tuple[str, list[Item]]] = [("whole set", items)]
    for language in ("en", "es"):
        groups.append((f"{language} whole", select(language=language)))
        groups.append((f"{language} tuning", select(language=language, split="tuning")))
        groups.append((f"{language} held-out", select(language=language, split="heldout")))
        groups.append((f"{language} long posts", select(language=language, kind="post")))
    groups.append(("held-out, both", select(split="heldout")))
    for name, group in groups:
        print(row(name, measure(group)))
    if "--wrong" in sys.argv:
        for item, got in measure(items).wrong:
            print(f"[{item.language} {item.split}] labelled {item.level.value}, got {got.value}: ")
            print(f"    {item.text!r}")


if __name__ == "__main__":
    main()
