"""Mood insights against plain numpy baselines, in the same run. Prints ratios; not a test.

    .venv/bin/python bench/insights.py [--members N] [--runs R]

(1) One member, 3 years of daily check-ins, 30 activities: mood.insights (every test:
    same and next day, sleep, weekdays, trend, BH) against a vectorised numpy baseline
    computing only the same-day differences in mean. Goals: <= 5x, p99 <= 50 ms.
(2) N synthetic members (default 10,000; lower it with --members on a small machine)
    x 365 days x 12 factors: a full recompute (run_tests over the daily grid, chunked by
    members) against one batched numpy pass computing the same-day correlation of mood
    with each factor for all members. Goals: <= 3x the time, peak memory of the
    recompute <= 2x the input arrays (tracemalloc, which sees numpy's allocations).
Both sides start from the same daily arrays; (1) also times the path from check-ins.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from mindhaven.mood import insights

FIRST_DAY = 738_000


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples), q))


def timed(function: Callable[[], object], runs: int) -> list[float]:
    function()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def one_member(runs: int) -> None:
    rng = np.random.default_rng(1)
    days = 3 * 365
    names = [f"activity {i:02d}" for i in range(30)]
    has = rng.random((days, 30)) < rng.uniform(0.1, 0.6, 30)
    sleep = np.clip(rng.normal(7, 1.2, days), 3, 11)
    mood = np.clip(np.round(3 + 0.4 * has[:, 0] + 0.2 * (sleep - 7) + rng.normal(0, 1, days)), 1, 5)
    day_numbers = np.arange(FIRST_DAY, FIRST_DAY + days)
    activities = [[names[j] for j in np.flatnonzero(row)] for row in has]
    grid = insights.daily_grid(day_numbers, mood, activities, sleep)

    def baseline() -> object:
        weights = has.astype(np.float64)
        n1 = weights.sum(axis=0)
        s1 = mood @ weights
        return s1 / n1 - (mood.sum() - s1) / (days - n1)

    base = timed(baseline, runs)
    grid_only = timed(lambda: insights.run_tests(grid), runs)
    full = timed(lambda: insights.member_findings(day_numbers, mood, activities, sleep), runs)
    b50 = percentile(base, 50)
    print("(1) one member, 1,095 days, 30 activities")
    print(f"    baseline (same-day differences only): p50 {b50 * 1e3:.3f} ms")
    for label, samples in (("tests from the daily grid", grid_only), ("from check-ins", full)):
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        print(
            f"    insights, {label}: p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms; "
            f"ratio {p50 / b50:.1f}x (goal <= 5x); p99 goal <= 50 ms: "
            f"{'met' if p99 <= 0.05 else 'NOT met'}"
        )


def many_members(members: int) -> None:
    rng = np.random.default_rng(2)
    days, factors = 365, 12
    activities = rng.random((members, days, factors)) < 0.3
    mood = 3 + 0.5 * activities[:, :, 0] + rng.normal(0, 1, (members, days))
    mood[rng.random((members, days)) < 0.1] = np.nan  # missed days
    activities &= ~np.isnan(mood)[:, :, None]
    sleep = np.clip(rng.normal(7, 1.2, (members, days)), 3, 11)
    grid = insights.Grid(
        mood=mood,
        activities=activities,
        sleep=sleep,
        first_day=FIRST_DAY,
        activity_names=tuple(f"factor {i}" for i in range(factors)),
    )
    input_bytes = mood.nbytes + activities.nbytes + sleep.nbytes

    def baseline() -> np.ndarray:
        valid = ~np.isnan(mood)
        n = valid.sum(axis=1, keepdims=True)
        y = np.where(valid, mood - np.nansum(mood, axis=1, keepdims=True) / n, 0.0)
        x = activities.astype(np.float32)
        x -= x.sum(axis=1, keepdims=True) / n[:, :, None]
        x *= valid[:, :, None]
        sxy = np.einsum("md,mdk->mk", y, x)
        sxx = np.einsum("mdk,mdk->mk", x, x)
        syy = (y * y).sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(sxy / np.sqrt(sxx * syy))

    start = time.perf_counter()
    baseline()
    base = time.perf_counter() - start
    start = time.perf_counter()
    insights.run_tests(grid)
    full = time.perf_counter() - start

    tracemalloc.start()
    tracemalloc.reset_peak()
    insights.run_tests(grid)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    baseline()
    _current, base_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"(2) {members:,} members x {days} days x {factors} factors")
    print(f"    input arrays {input_bytes / 1e6:.1f} MB")
    print(
        f"    baseline (batched same-day correlations): {base:.3f} s, peak {base_peak / 1e6:.1f} MB"
    )
    print(
        f"    full recompute (every test, BH per member): {full:.3f} s; "
        f"ratio {full / base:.1f}x (goal <= 3x)"
    )
    print(
        f"    recompute peak memory {peak / 1e6:.1f} MB = {peak / input_bytes:.2f}x the input "
        f"(goal <= 2x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=10_000, help="members in (2)")
    parser.add_argument("--runs", type=int, default=200, help="repeated runs in (1)")
    args = parser.parse_args()
    one_member(args.runs)
    many_members(args.members)


if __name__ == "__main__":
    main()
