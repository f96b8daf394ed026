"""Statistically honest mood insights: pure functions over numpy arrays, no Django.

The unit of analysis is the day: each day with check-ins gets the mean of its moods,
the set of activities named in any of its check-ins, and the mean of the hours of sleep
given that day. Days without a check-in are missing, never "mood 0" or "no activity".

Every member's tests are run at once, vectorised over activities (and, for a full
recompute, over members): differences in mean mood with Welch's t-test and a 95%
confidence interval (Welch-Satterthwaite degrees of freedom), an ordinary least-squares
slope for sleep, and Benjamini-Hochberg over every test run for the member. A finding
is shown only when q <= 0.05; everything else tested is "explored, no clear pattern".
Nothing here says why: these are associations in one person's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

MIN_DAYS = 5  # days with and days without, for each difference in means
MIN_SLEEP_DAYS = 10  # days with both mood and sleep, for the sleep slope
TREND_DAYS = 30
Q_THRESHOLD = 0.05
CONFIDENCE = 0.95
CHUNK_MEMBERS = 256  # members per pass, which bounds the memory of a full recompute

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SLEEP = "sleep_hours"
TREND = "last_30_days"

ACTIVITY = "activity"
KIND_SLEEP = "sleep"
KIND_WEEKDAY = "weekday"
KIND_TREND = "trend"


@dataclass(frozen=True)
class Grid:
    """Daily data of M members on D consecutive days starting at `first_day`.

    mood (M, D): mean mood of the day, NaN on days without a check-in.
    activities (M, D, K): the activity was named on that day (False on missing days).
    sleep (M, D): hours of sleep given that day, NaN when none.
    first_day: the proleptic Gregorian ordinal (date.toordinal()) of column 0.
    """

    mood: FloatArray
    activities: BoolArray
    sleep: FloatArray
    first_day: int
    activity_names: tuple[str, ...]


@dataclass(frozen=True)
class Tests:
    """Every test for every member: arrays of shape (M, T), one column per test.

    Columns: activities at lag 0 (K), activities at lag 1 (K), sleep (1), weekdays (7),
    trend (1). `tested` is False where there were too few days or no variance; such
    cells have NaN statistics and are neither findings nor explored.
    """

    factors: tuple[str, ...]
    kinds: tuple[str, ...]
    lags: tuple[int, ...]
    effect: FloatArray
    low: FloatArray
    high: FloatArray
    p_value: FloatArray
    q_value: FloatArray
    n_with: IntArray
    n_without: IntArray
    tested: BoolArray


@dataclass(frozen=True)
class Finding:
    factor: str
    kind: str
    lag_days: int
    effect: float
    ci: tuple[float, float]
    p_value: float
    q_value: float
    n_with: int
    n_without: int

    @property
    def is_insight(self) -> bool:
        return self.q_value <= Q_THRESHOLD


# --- from check-ins to days ----------------------------------------------------------


def daily_grid(
    days: Sequence[int] | IntArray,
    moods: Sequence[float] | FloatArray,
    activities: Sequence[Sequence[str]],
    sleep: Sequence[float | None] | FloatArray,
) -> Grid:
    """One member's check-ins (local date ordinal, mood, activity names, sleep) as days."""
    day = np.asarray(days, dtype=np.int64)
    mood = np.asarray(moods, dtype=np.float64)
    hours = np.array([np.nan if h is None else h for h in sleep], dtype=np.float64)
    names = tuple(sorted({name for names in activities for name in names}))
    if day.size == 0:
        return Grid(
            mood=np.empty((1, 0)),
            activities=np.empty((1, 0, len(names)), dtype=bool),
            sleep=np.empty((1, 0)),
            first_day=0,
            activity_names=names,
        )
    first = int(day.min())
    length = int(day.max()) - first + 1
    col = day - first
    count = np.bincount(col, minlength=length).astype(np.float64)
    total = np.bincount(col, weights=mood, minlength=length)
    has_sleep = ~np.isnan(hours)
    sleep_count = np.bincount(col[has_sleep], minlength=length).astype(np.float64)
    sleep_total = np.bincount(col[has_sleep], weights=hours[has_sleep], minlength=length)
    index = {name: i for i, name in enumerate(names)}
    grid_activities = np.zeros((length, len(names)), dtype=bool)
    rows = [c for c, entry in zip(col.tolist(), activities, strict=True) for _ in entry]
    cols = [index[name] for entry in activities for name in entry]
    grid_activities[rows, cols] = True
    with np.errstate(invalid="ignore", divide="ignore"):
        daily_mood = np.where(count > 0, total / count, np.nan)
        daily_sleep = np.where(sleep_count > 0, sleep_total / sleep_count, np.nan)
    return Grid(
        mood=daily_mood[None, :],
        activities=grid_activities[None, :, :],
        sleep=daily_sleep[None, :],
        first_day=first,
        activity_names=names,
    )


# --- the statistics ----------------------------------------------------------------


def _group_sums(
    values: FloatArray, valid: BoolArray, groups: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Count, sum and sum of squares of `values` in each group: (M, D) x (M|1, D, G) -> (M, G).

    `values` must be 0 where not `valid`, so that a matrix product does the sums.
    """
    member = groups & valid[:, :, None]
    weights = member.astype(np.float64)
    n = weights.sum(axis=1)
    s = np.matmul(values[:, None, :], weights)[:, 0, :]
    q = np.matmul((values * values)[:, None, :], weights)[:, 0, :]
    return n, s, q


def welch(
    n1: FloatArray, s1: FloatArray, q1: FloatArray, n0: FloatArray, s0: FloatArray, q0: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """Difference of means (group 1 minus group 0), its standard error and Welch's df.

    From counts, sums and sums of squares; `ok` is False where a group has fewer than
    MIN_DAYS days or the standard error is zero (no variance in either group).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean1 = s1 / n1
        mean0 = s0 / n0
        var1 = np.maximum(q1 - n1 * mean1 * mean1, 0.0) / (n1 - 1)
        var0 = np.maximum(q0 - n0 * mean0 * mean0, 0.0) / (n0 - 1)
        a = var1 / n1
        b = var0 / n0
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n0 - 1))
    # Zero variance shows up as a tiny positive number after rounding: treat it as zero.
    ok = (n1 >= MIN_DAYS) & (n0 >= MIN_DAYS) & (se > 1e-9) & np.isfinite(df)
    return mean1 - mean0, se, df, ok


def _centred(mood: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Mood minus each member's mean (for numerically stable sums), 0 on missing days."""
    valid = ~np.isnan(mood)
    count = valid.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.nansum(mood, axis=1, keepdims=True) / count, 0.0)
    return np.where(valid, mood - mean, 0.0), valid


def _differences(
    values: FloatArray, valid: BoolArray, groups: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, FloatArray, FloatArray]:
    """Welch statistics of each group against the rest of the valid days."""
    n1, s1, q1 = _group_sums(values, valid, groups)
    n = valid.sum(axis=1, keepdims=True).astype(np.float64)
    s = values.sum(axis=1, keepdims=True)
    q = (values * values).sum(axis=1, keepdims=True)
    effect, se, df, ok = welch(n1, s1, q1, n - n1, s - s1, q - q1)
    return effect, se, df, ok, n1, n - n1


def _sleep_slope(
    mood: FloatArray, sleep: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, FloatArray]:
    """OLS slope of mood on hours of sleep, same day: (M, 1) slope, se, df, ok, n."""
    valid = ~np.isnan(mood) & ~np.isnan(sleep)
    n = valid.sum(axis=1, keepdims=True).astype(np.float64)
    y = np.where(valid, mood, 0.0)
    x = np.where(valid, sleep, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(valid, y - y.sum(axis=1, keepdims=True) / n, 0.0)
        x = np.where(valid, x - x.sum(axis=1, keepdims=True) / n, 0.0)
        sxx = (x * x).sum(axis=1, keepdims=True)
        sxy = (x * y).sum(axis=1, keepdims=True)
        syy = (y * y).sum(axis=1, keepdims=True)
        slope = sxy / sxx
        residual = np.maximum(syy - slope * sxy, 0.0) / (n - 2)
        se = np.sqrt(residual / sxx)
    ok = (n >= MIN_SLEEP_DAYS) & (sxx > 1e-9) & (se > 1e-9) & np.isfinite(se)
    return slope, se, n - 2, ok, n


def _weekday_groups(first_day: int, length: int) -> BoolArray:
    """(1, D, 7): the weekday of each column (ordinal 1, 1 January of year 1, was a Monday)."""
    weekday = (np.arange(first_day, first_day + length) - 1) % 7
    groups: BoolArray = (weekday[:, None] == np.arange(7)[None, :])[None, :, :]
    return groups


def _trend_groups(valid: BoolArray) -> tuple[BoolArray, BoolArray]:
    """(M, D, 1) each: the 30 days up to each member's latest check-in, and the 30 before."""
    length = valid.shape[1]
    column = np.arange(length)[None, :]
    # The latest column with data (-1 for a member with none).
    if length == 0:
        last = np.full(valid.shape[0], -1)
    else:
        last = np.where(valid.any(axis=1), length - 1 - np.argmax(valid[:, ::-1], axis=1), -1)
    last = last[:, None]
    recent = (column > last - TREND_DAYS) & (column <= last)
    before = (column > last - 2 * TREND_DAYS) & (column <= last - TREND_DAYS)
    return recent[:, :, None], before[:, :, None]


def benjamini_hochberg(p_values: FloatArray) -> FloatArray:
    """BH q-values along the last axis; NaN (not tested) stays NaN and is not counted."""
    p = np.asarray(p_values, dtype=np.float64)
    tested = ~np.isnan(p)
    m = tested.sum(axis=-1, keepdims=True)
    order = np.argsort(np.where(tested, p, np.inf), axis=-1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=-1)
    rank = np.arange(1, p.shape[-1] + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = ranked * m / rank
    # The running minimum from the largest p down; NaNs sort last and are skipped.
    scaled = np.where(np.isnan(scaled), np.inf, scaled)
    q_sorted = np.minimum.accumulate(scaled[..., ::-1], axis=-1)[..., ::-1]
    q_sorted = np.minimum(q_sorted, 1.0)
    q = np.empty_like(p)
    np.put_along_axis(q, order, q_sorted, axis=-1)
    return np.where(tested, q, np.nan)


def _compute_chunk(grid: Grid, start: int, stop: int) -> tuple[FloatArray, ...]:
    mood = grid.mood[start:stop]
    activities = grid.activities[start:stop]
    values, valid = _centred(mood)
    length = mood.shape[1]

    parts = []
    # Activities, same day.
    parts.append(_differences(values, valid, activities))
    # Activities, next day: activity on day d against mood on day d+1 (both with data).
    lag_valid = valid[:, :-1] & valid[:, 1:]
    lag_values = np.where(lag_valid, values[:, 1:], 0.0)
    parts.append(_differences(lag_values, lag_valid, activities[:, :-1]))
    # Weekdays: each against the other days.
    parts.append(_differences(values, valid, _weekday_groups(grid.first_day, length)))
    # The latest 30 days against the 30 before.
    recent, before = _trend_groups(valid)
    n1, s1, q1 = _group_sums(values, valid, recent)
    n0, s0, q0 = _group_sums(values, valid, before)
    trend = welch(n1, s1, q1, n0, s0, q0)
    parts.append((*trend, n1, n0))

    slope, slope_se, slope_df, slope_ok, slope_n = _sleep_slope(mood, grid.sleep[start:stop])
    k = activities.shape[2]
    # Column order: activities lag 0, lag 1, sleep, weekdays, trend.
    ordered = [parts[0], parts[1], (slope, slope_se, slope_df, slope_ok, slope_n, 0 * slope_n)]
    ordered += [parts[2], parts[3]]
    effect, se, df, ok, n_with, n_without = (
        np.concatenate([part[i] for part in ordered], axis=1) for i in range(6)
    )
    assert effect.shape[1] == 2 * k + 1 + 7 + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        t = effect / se
        p_value = 2.0 * special.stdtr(df, -np.abs(t))
        half = special.stdtrit(df, 0.5 + CONFIDENCE / 2) * se
    p_value = np.where(ok, p_value, np.nan)
    return (
        np.where(ok, effect, np.nan),
        np.where(ok, effect - half, np.nan),
        np.where(ok, effect + half, np.nan),
        p_value,
        benjamini_hochberg(p_value),
        n_with,
        n_without,
        ok,
    )


def run_tests(grid: Grid, *, chunk: int = CHUNK_MEMBERS) -> Tests:
    """Every test for every member of the grid, with BH q-values within each member."""
    names = grid.activity_names
    factors = (*names, *names, SLEEP, *WEEKDAYS, TREND)
    kinds = (ACTIVITY,) * (2 * len(names)) + (KIND_SLEEP,) + (KIND_WEEKDAY,) * 7 + (KIND_TREND,)
    lags = (0,) * len(names) + (1,) * len(names) + (0,) * 9
    members = grid.mood.shape[0]
    chunks = [_compute_chunk(grid, start, start + chunk) for start in range(0, members, chunk)]
    if not chunks:
        chunks = [_compute_chunk(grid, 0, 0)]
    joined = [np.concatenate([c[i] for c in chunks], axis=0) for i in range(8)]
    return Tests(
        factors=factors,
        kinds=kinds,
        lags=lags,
        effect=joined[0],
        low=joined[1],
        high=joined[2],
        p_value=joined[3],
        q_value=joined[4],
        n_with=joined[5].astype(np.int64),
        n_without=joined[6].astype(np.int64),
        tested=joined[7].astype(bool),
    )


def findings(tests: Tests, member: int = 0) -> list[Finding]:
    """One member's tested results, smallest q first (then the largest effect)."""
    rows = []
    for column in np.flatnonzero(tests.tested[member]).tolist():
        rows.append(
            Finding(
                factor=tests.factors[column],
                kind=tests.kinds[column],
                lag_days=tests.lags[column],
                effect=float(tests.effect[member, column]),
                ci=(float(tests.low[member, column]), float(tests.high[member, column])),
                p_value=float(tests.p_value[member, column]),
                q_value=float(tests.q_value[member, column]),
                n_with=int(tests.n_with[member, column]),
                n_without=int(tests.n_without[member, column]),
            )
        )
    rows.sort(key=lambda f: (f.q_value, -abs(f.effect), f.factor, f.lag_days))
    return rows


def member_findings(
    days: Sequence[int] | IntArray,
    moods: Sequence[float] | FloatArray,
    activities: Sequence[Sequence[str]],
    sleep: Sequence[float | None] | FloatArray,
) -> list[Finding]:
    """Everything tested for one member's check-ins (local date ordinal, mood, names, sleep)."""
    return findings(run_tests(daily_grid(days, moods, activities, sleep)))
