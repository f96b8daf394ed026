"""Recall, precision and false-positive rate of safety.assess_text on the evaluation set.

    .venv/bin/python bench/safety_eval.py [--wrong]

Per language and split (tuning / held-out), for statements and long posts together, and
for the long posts alone. False-positive rate: of the items labelled `none`, the share
assessed `concern` or `urgent`. --wrong lists every item assessed differently.
"""

import sys

from mindhaven.safety.evaluation import LEVELS, Figures, Item, load, measure


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.3f}"


def row(name: str, figures: Figures) -> str:
    cells = " ".join(
        f"{_fmt(figures.recall[level])} {_fmt(figures.precision[level])}" for level in LEVELS
    )
    return f"{name:<24} {figures.count:>4}  {cells}   {_fmt(figures.false_positive_rate)}"


def main() -> None:
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
