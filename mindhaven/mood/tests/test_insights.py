"""The statistics of mood insights, against scipy and against planted effects."""

from __future__ import annotations

import re

import numpy as np
from django.test import SimpleTestCase
from django.utils import translation
from scipy import stats

from mindhaven.mood import insights
from mindhaven.mood.insights import Finding
from mindhaven.mood.insights_service import summary

FIRST_DAY = 739_000  # an ordinal, 2024-05-23
MEMBERS = 40
DAYS = 365
NULLS = ("reading", "music", "work", "friends", "caffeine", "housework")
CAUSAL_WORDS = {
    "en": [
        "cause",
        "causes",
        "caused",
        "make",
        "makes",
        "made",
        "improve",
        "improves",
        "because",
        "leads to",
        "lead to",
        "due to",
        "results in",
        "effect of",
    ],
    "es": [
        "causa",
        "causan",
        "provoca",
        "hace que",
        "mejora",
        "mejoran",
        "porque",
        "debido a",
        "lleva a",
        "produce",
        "gracias a",
        "efecto de",
    ],
}


def synthetic_member(
    rng: np.random.Generator,
) -> tuple[list[int], list[float], list[list[str]], list[float | None]]:
    """A year of check-ins with planted effects: `exercise` +0.5 the same day, `meditation`
    +0.5 the next day, +0.3 per hour of sleep; NULLS go with nothing. Some days are missed,
    some have two check-ins, and moods are whole numbers from 1 to 5 as people enter them.
    """
    has = {
        name: rng.random(DAYS) < rng.uniform(0.25, 0.5)
        for name in ("exercise", "meditation", *NULLS)
    }
    sleep = np.clip(rng.normal(7, 1.2, DAYS), 3, 11).round(1)
    latent = 3.0 + 0.5 * has["exercise"] + 0.3 * (sleep - 7) + rng.normal(0, 0.7, DAYS)
    latent[1:] += 0.5 * has["meditation"][:-1]
    days, moods, activities, hours = [], [], [], []
    for day in range(DAYS):
        if rng.random() < 0.1:
            continue
        names = [name for name, flags in has.items() if flags[day]]
        for check_in in range(1 if rng.random() < 0.7 else 2):
            days.append(FIRST_DAY + day)
            moods.append(float(np.clip(np.round(latent[day] + rng.normal(0, 0.5)), 1, 5)))
            activities.append(names)
            hours.append(float(sleep[day]) if check_in == 0 else None)
    return days, moods, activities, hours


def finding(**fields: object) -> Finding:
    values: dict[str, object] = {
        "factor": "exercise",
        "kind": "activity",
        "lag_days": 0,
        "effect": 0.6,
        "ci": (0.4, 0.8),
        "p_value": 0.001,
        "q_value": 0.01,
        "n_with": 290,
        "n_without": 440,
    }
    values.update(fields)
    return Finding(**values)  # type: ignore[arg-type]


class InsightsStatisticsTestCase(SimpleTestCase):
    def test_it_matches_scipys_welch_test(self) -> None:
        rng = np.random.default_rng(7)
        days = list(range(FIRST_DAY, FIRST_DAY + 200))
        activities = [[n for n in ("a", "b", "c") if rng.random() < 0.3] for _ in days]
        moods = rng.integers(1, 6, len(days)).astype(float)
        tests = insights.run_tests(insights.daily_grid(days, moods, activities, [None] * 200))
        for column, name in enumerate(tests.factors[:3]):
            has = np.array([name in names for names in activities])
            expected = stats.ttest_ind(moods[has], moods[~has], equal_var=False)
            interval = expected.confidence_interval(0.95)
            self.assertAlmostEqual(tests.effect[0, column], moods[has].mean() - moods[~has].mean())
            self.assertAlmostEqual(tests.p_value[0, column], expected.pvalue)
            self.assertAlmostEqual(tests.low[0, column], interval.low)
            self.assertAlmostEqual(tests.high[0, column], interval.high)
            # Next day: the activity's day against the following day's mood.
            lagged = stats.ttest_ind(moods[1:][has[:-1]], moods[1:][~has[:-1]], equal_var=False)
            self.assertAlmostEqual(tests.p_value[0, 3 + column], lagged.pvalue)
            self.assertEqual(tests.n_with[0, 3 + column], has[:-1].sum())

    def test_it_matches_scipys_linregress_for_sleep(self) -> None:
        rng = np.random.default_rng(8)
        sleep = rng.normal(7, 1, 120)
        moods = 3 + 0.3 * sleep + rng.normal(0, 1, 120)
        days = range(FIRST_DAY, FIRST_DAY + 120)
        (row,) = [
            f for f in insights.member_findings(days, moods, [[]] * 120, sleep) if f.kind == "sleep"
        ]
        expected = stats.linregress(sleep, moods)
        t = stats.t.ppf(0.975, 118)
        self.assertAlmostEqual(row.effect, expected.slope)
        self.assertAlmostEqual(row.p_value, expected.pvalue)
        self.assertAlmostEqual(row.ci[0], expected.slope - t * expected.stderr)
        self.assertAlmostEqual(row.ci[1], expected.slope + t * expected.stderr)
        self.assertEqual((row.n_with, row.n_without, row.lag_days), (120, 0, 0))

    def test_it_computes_benjamini_hochberg_as_by_hand(self) -> None:
        p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205])
        by_hand = [0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.074 * 8 / 7, 0.205]
        np.testing.assert_allclose(insights.benjamini_hochberg(p), by_hand)
        # Untested cells are skipped: they neither count towards m nor get a q-value.
        shuffled = np.array(
            [np.nan, 0.205, 0.001, np.nan, 0.060, 0.008, 0.039, 0.041, 0.042, 0.074]
        )
        q = insights.benjamini_hochberg(shuffled)
        self.assertTrue(np.isnan(q[0]) and np.isnan(q[3]))
        np.testing.assert_allclose(np.sort(q[~np.isnan(q)]), by_hand)
        np.testing.assert_allclose(
            q[~np.isnan(q)], stats.false_discovery_control(shuffled[~np.isnan(shuffled)])
        )

    def test_it_finds_planted_effects_and_few_false_ones(self) -> None:
        rng = np.random.default_rng(20250501)
        found = planted = null_reported = null_tested = wrong_lag = 0
        for _member in range(MEMBERS):
            rows = insights.member_findings(*synthetic_member(rng))
            shown = {(f.factor, f.lag_days): f for f in rows if f.is_insight}
            for key in (("exercise", 0), ("meditation", 1), ("sleep_hours", 0)):
                planted += 1
                found += key in shown and shown[key].effect > 0
            nulls = [f for f in rows if f.factor in NULLS]
            null_tested += len(nulls)
            null_reported += sum(f.is_insight for f in nulls)
            wrong_lag += ("exercise", 1) in shown or ("meditation", 0) in shown
        recall = found / planted
        false_rate = null_reported / null_tested
        print(f"recall {recall:.3f}, null activities reported {false_rate:.4f} of {null_tested}")
        self.assertEqual(null_tested, MEMBERS * len(NULLS) * 2)
        self.assertGreaterEqual(recall, 0.9)
        self.assertLessEqual(false_rate, 0.05)
        self.assertLessEqual(wrong_lag / MEMBERS, 0.05)

    def test_it_computes_many_members_at_once_as_one_by_one(self) -> None:
        rng = np.random.default_rng(3)
        members = [synthetic_member(rng) for _ in range(3)]
        grids = [insights.daily_grid(*member) for member in members]
        first = min(g.first_day for g in grids)
        length = max(g.first_day + g.mood.shape[1] for g in grids) - first

        def pad(array: np.ndarray, grid: insights.Grid, fill: object) -> np.ndarray:
            before = grid.first_day - first
            after = length - before - grid.mood.shape[1]
            widths = [(0, 0), (before, after)] + [(0, 0)] * (array.ndim - 2)
            return np.pad(array, widths, constant_values=fill)  # type: ignore[call-overload,no-any-return]

        batch = insights.Grid(
            mood=np.concatenate([pad(g.mood, g, np.nan) for g in grids]),
            activities=np.concatenate([pad(g.activities, g, False) for g in grids]),
            sleep=np.concatenate([pad(g.sleep, g, np.nan) for g in grids]),
            first_day=first,
            activity_names=grids[0].activity_names,
        )
        together = insights.run_tests(batch, chunk=2)
        for index, grid in enumerate(grids):
            alone = insights.findings(insights.run_tests(grid))
            batched = insights.findings(together, index)
            self.assertEqual(
                [(f.factor, f.kind, f.lag_days, f.n_with, f.n_without) for f in batched],
                [(f.factor, f.kind, f.lag_days, f.n_with, f.n_without) for f in alone],
            )
            numbers = [[f.effect, *f.ci, f.p_value, f.q_value] for f in batched]
            np.testing.assert_allclose(
                numbers, [[f.effect, *f.ci, f.p_value, f.q_value] for f in alone]
            )

    def test_it_does_not_test_activities_with_fewer_than_five_days(self) -> None:
        rng = np.random.default_rng(4)
        days = range(FIRST_DAY, FIRST_DAY + 60)
        rare = [["rare"] if i < 4 else [] for i in range(60)]
        common = [["common"] if i < 56 else [] for i in range(60)]
        moods = rng.integers(1, 6, 60).astype(float)
        factors = {f.factor for f in insights.member_findings(days, moods, rare, [None] * 60)}
        self.assertNotIn("rare", factors)
        factors = {f.factor for f in insights.member_findings(days, moods, common, [None] * 60)}
        self.assertNotIn("common", factors)  # 56 days with it, only 4 without
        rows = insights.member_findings(
            days, moods, [["x"] if i % 2 else [] for i in range(60)], [None] * 60
        )
        self.assertEqual(
            {(f.factor, f.lag_days) for f in rows if f.kind == "activity"}, {("x", 0), ("x", 1)}
        )

    def test_it_finds_nothing_in_a_constant_mood(self) -> None:
        days = range(FIRST_DAY, FIRST_DAY + 100)
        activities = [["walk"] if i % 3 else [] for i in range(100)]
        sleep = [6.0 + i % 4 for i in range(100)]
        self.assertEqual(insights.member_findings(days, [4.0] * 100, activities, sleep), [])

    def test_it_handles_no_data(self) -> None:
        self.assertEqual(insights.member_findings([], [], [], []), [])
        self.assertEqual(insights.member_findings([FIRST_DAY], [3.0], [["walk"]], [7.0]), [])

    def test_it_averages_check_ins_of_the_same_day(self) -> None:
        grid = insights.daily_grid(
            [FIRST_DAY, FIRST_DAY, FIRST_DAY + 2], [2, 5, 4], [["a"], [], []], [None, 7, None]
        )
        np.testing.assert_array_equal(grid.mood[0], [3.5, np.nan, 4.0])
        np.testing.assert_array_equal(grid.activities[0, :, 0], [True, False, False])
        np.testing.assert_array_equal(grid.sleep[0], [7.0, np.nan, np.nan])

    def test_it_words_summaries_without_causal_words(self) -> None:
        rows = [
            finding(
                kind=kind,
                lag_days=lag,
                factor=factor,
                effect=sign * 0.6,
                ci=(sign * 0.4, sign * 0.8)[::sign],
            )
            for kind, lag, factor in (
                ("activity", 0, "exercise"),
                ("activity", 1, "exercise"),
                ("sleep", 0, "sleep_hours"),
                ("weekday", 0, "monday"),
                ("trend", 0, "last_30_days"),
            )
            for sign in (1, -1)
        ]
        rows.append(finding(effect=0.01, ci=(-0.2, 0.22), q_value=0.9))
        for language, words in CAUSAL_WORDS.items():
            with translation.override(language):
                texts = [summary(row) for row in rows]
            self.assertEqual(len(set(texts)), len(texts))
            for text in texts:
                for word in words:
                    self.assertIsNone(re.search(rf"\b{word}\b", text, re.IGNORECASE), (word, text))
        with translation.override("en"):
            self.assertEqual(
                summary(rows[0]),
                "On days with exercise your mood was about 0.6 points higher "
                "(95% CI 0.4 to 0.8; 290 days with, 440 without).",
            )
            self.assertIn("about 0.6 points lower (95% CI 0.4 to 0.8;", summary(rows[1]))
            self.assertTrue(summary(rows[2]).startswith("On days after exercise"))
            self.assertTrue(
                summary(rows[4]).startswith(
                    "Each extra hour of sleep went with about 0.6 points higher mood the same day"
                )
            )
        with translation.override("es"):
            self.assertIn("0,6", summary(rows[0]))
            self.assertIn("lunes", summary(rows[6]))
