"""p99 of safety.assess_text on a 500-character text, against a plain regex scan.

    .venv/bin/python bench/safety_speed.py

The baseline is one compiled alternation of every pattern of the same language, run with
finditer over the same (lower-cased) text: what a keyword scan costs. Goal: p99 <= 2 ms
for the rules. When the semantic second stage is installed, a last column gives its p99
(forced on, on top of the rules) for English texts: it has no goal of 2 ms, it is optional.
"""

import re
import statistics
import time
from collections.abc import Callable

from mindhaven.safety import semantic
from mindhaven.safety.assess import RULES, assess_rules, assess_text

RUNS = 5_000
TEXTS = {
    # A long, ordinary note: what nearly every text looks like.
    "en ordinary": (
        "Long day at work, the meeting ran over and the commute was killing me. Had lunch with "
        "Sam, which helped. Went for a walk in the park after dinner and called my sister. "
        "Feeling a bit tired but calmer than yesterday. Slept about six hours, need more. "
        "Tomorrow I have the dentist at nine and then I want to finish the report before the "
        "weekend. Grateful for the sunshine today, and for the dog who never lets me skip a "
    ),
    # A long note with crisis language in it: the slow path (every pattern, every rule).
    "en crisis": (
        "idk why im even writing this. work was awful again and my manager yelled at me in "
        "front of everyone. i got home and just sat in the dark for hours. i've been thinking "
        "about killing myself more and more and tonight it feels really close. i have the "
        "pills in the drawer. goodbye everyone, i can't do this anymore, nothing will ever "
        "get better and everyone would be better off without me. i want to die. im sorry "
    ),
    "es crisis": (
        "no sé ni por qué escribo esto. otra vez pelea en casa, mi padre gritando. me encerré "
        "en el cuarto y llevo horas llorando. me quiero matar y creo que esta noche lo voy a "
        "hacer, tengo las pastillas de mi madre. adiós a todos, ya no aguanto más, nada va a "
        "mejorar nunca y todos estarían mejor sin mí. quiero morirme. perdón por todo, de "
        "verdad lo siento mucho, no es culpa de nadie, ojalá pudiera dormir y no despertar. "
    ),
}


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def timed(call: Callable[[], object], runs: int = RUNS) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    print(
        f"{'text':<12} {'chars':>5}  {'rules p50':>9} {'rules p99':>9}  "
        f"{'scan p99':>8}  ratio   level    {'+ml p99':>8}"
    )
    for name, text in TEXTS.items():
        text = (text * 2)[:500]
        language = name.split()[0]
        scan = re.compile("|".join(f"(?:{p.regex.pattern})" for p in RULES[language].patterns))
        lowered = text.lower()
        rules = timed(lambda: assess_text(text, locale=language))  # noqa: B023
        baseline = timed(lambda: list(scan.finditer(lowered)))  # noqa: B023
        level = assess_text(text, locale=language).level.value
        ml = "-"
        if semantic.available() and language in semantic.LANGUAGES:
            semantic.exemplars(language)  # loading is not what is measured

            def both() -> object:
                return semantic.second_stage(text, assess_rules(text, locale=language))  # noqa: B023

            ml = f"{p99(timed(both, runs=200)):6.1f}ms"
        print(
            f"{name:<12} {len(text):>5}  {statistics.median(rules):7.3f}ms {p99(rules):7.3f}ms  "
            f"{p99(baseline):6.3f}ms  {p99(rules) / p99(baseline):5.1f}x  {level:<8} {ml:>8}"
        )
    print("goal: rules p99 <= 2 ms for 500 characters")


if __name__ == "__main__":
    main()
