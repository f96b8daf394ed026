import xml.etree.ElementTree as ET

from django.test import SimpleTestCase

from mindhaven.mood import plots

SVG = "{http://www.w3.org/2000/svg}"
LABELS = {1: "awful", 2: "bad", 3: "okay", 4: "good", 5: "great"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, parsed to prove it well formed)


class RollingMeanTestCase(SimpleTestCase):
    def test_it_averages_the_trailing_window(self) -> None:
        values: list[float | None] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        self.assertEqual(plots.rolling_mean(values, 7), [1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6])

    def test_it_skips_days_without_check_ins_instead_of_counting_zero(self) -> None:
        values: list[float | None] = [None, 2, None, 4, None, None, None, None, None, None, None]
        result = plots.rolling_mean(values, 7)
        self.assertEqual(result[:4], [None, 2, 2, 3])
        self.assertEqual(result[7], 3)  # days 1..7 hold days 1 and 3
        self.assertEqual(result[8:10], [4, 4])  # days 2..8 and 3..9 hold day 3 only
        self.assertIsNone(result[10])  # days 4..10 hold nothing

    def test_it_refuses_an_empty_window(self) -> None:
        with self.assertRaises(ValueError):
            plots.rolling_mean([1.0], 0)


class MoodPlotTestCase(SimpleTestCase):
    def test_it_draws_one_point_per_day_with_a_value_and_a_rolling_line(self) -> None:
        means: list[float | None] = [3, None, 4, 5, None, 2]
        svg = plots.mood_over_time_svg(
            means=means,
            rolling=plots.rolling_mean(means),
            x_labels=[(0, "Mar 1")],
            mood_labels=LABELS,
            title="Mood over time",
            desc="Daily mean mood",
        )
        root = parse(svg)
        self.assertEqual(root.get("role"), "img")
        self.assertEqual(root.find(f"{SVG}title").text, "Mood over time")  # type: ignore[union-attr]
        self.assertEqual(root.find(f"{SVG}desc").text, "Daily mean mood")  # type: ignore[union-attr]
        self.assertEqual(root.get("aria-labelledby"), "mood-plot-title mood-plot-desc")
        self.assertEqual(len(root.findall(f".//{SVG}circle")), 4)
        path = root.find(f".//{SVG}path")
        assert path is not None
        self.assertEqual(path.get("d", "").count("M"), 1)  # no gap: every window had a value
        self.assertEqual(path.get("d", "").count("L"), 5)

    def test_it_breaks_the_line_where_a_window_is_empty(self) -> None:
        means: list[float | None] = [3, None, None, None, 4]
        svg = plots.mood_over_time_svg(
            means=means,
            rolling=plots.rolling_mean(means, 2),
            x_labels=[],
            mood_labels=LABELS,
            title="t",
            desc="d",
        )
        path = parse(svg).find(f".//{SVG}path")
        assert path is not None
        self.assertEqual(path.get("d", "").count("M"), 2)

    def test_it_escapes_text(self) -> None:
        svg = plots.mood_over_time_svg(
            means=[3],
            rolling=[3],
            x_labels=[(0, "<b>&</b>")],
            mood_labels={**LABELS, 1: '"awful" <1>'},
            title="A <title> & more",
            desc="</desc><script>alert(1)</script>",
            id_prefix='x" onload="y',
        )
        root = parse(svg)
        self.assertNotIn("<script", svg)
        self.assertEqual(root.find(f"{SVG}title").text, "A <title> & more")  # type: ignore[union-attr]
        texts = [element.text for element in root.iter(f"{SVG}text")]
        self.assertIn("<b>&</b>", texts)
        self.assertIn('"awful" <1> 1', texts)
        self.assertIsNone(root.get("onload"))

    def test_it_rejects_series_of_different_lengths(self) -> None:
        with self.assertRaises(ValueError):
            plots.mood_over_time_svg(
                means=[1, 2], rolling=[1], x_labels=[], mood_labels=LABELS, title="t", desc="d"
            )


class BarsAndScatterTestCase(SimpleTestCase):
    def test_it_draws_one_bar_per_activity_with_its_count(self) -> None:
        svg = plots.bars_svg(
            items=[("walk", 12), ("<friends>", 3), ("a" * 40, 1)],
            title="Activities",
            desc="Days per activity",
        )
        root = parse(svg)
        bars = root.findall(f".//{SVG}rect")
        self.assertEqual(len(bars), 3)
        widths = [float(bar.get("width", "0")) for bar in bars]
        self.assertGreater(widths[0], widths[1])
        self.assertGreater(widths[1], widths[2])
        texts = [element.text for element in root.iter(f"{SVG}text")]
        self.assertIn("<friends>", texts)
        self.assertIn("12", texts)
        self.assertIn("a" * 21 + "…", texts)

    def test_it_draws_an_empty_bar_plot(self) -> None:
        root = parse(plots.bars_svg(items=[], title="t", desc="d"))
        self.assertEqual(root.findall(f".//{SVG}rect"), [])

    def test_it_draws_one_point_per_day_of_sleep(self) -> None:
        svg = plots.sleep_mood_svg(
            points=[(7.5, 4), (0, 1), (14, 5)],
            mood_labels=LABELS,
            x_title="Hours & minutes",
            title="Sleep and mood",
            desc="d",
        )
        root = parse(svg)
        circles = root.findall(f".//{SVG}circle")
        self.assertEqual(len(circles), 3)
        # 14 hours widens the axis to 14, so every point stays inside the plot.
        for circle in circles:
            self.assertLessEqual(float(circle.get("cx", "0")), plots.WIDTH)
        self.assertIn("Hours & minutes", [element.text for element in root.iter(f"{SVG}text")])
