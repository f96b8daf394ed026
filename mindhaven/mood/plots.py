"""Server-rendered SVG plots of mood data: pure functions from numbers to SVG text.

No JavaScript and no charting library: each plot is a small SVG string that the page
embeds, with `role="img"`, a <title> and a <desc>, and the page adds a table of the
same numbers. Every piece of text is escaped here, so labels may come from members.
Colours come from CSS classes (mood.css), never from style attributes (strict CSP).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
HEIGHT = 280
MOOD_MIN = 1
MOOD_MAX = 5


def rolling_mean(values: Sequence[float | None], window: int = 7) -> list[float | None]:
    """The trailing mean of each value and the `window - 1` before it.

    `values` is one value per day in order, None for a day without check-ins; those
    days are left out of the mean rather than counted as zero. A window that holds no
    value at all gives None.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    result: list[float | None] = []
    for end in range(len(values)):
        known = [v for v in values[max(0, end - window + 1) : end + 1] if v is not None]
        result.append(sum(known) / len(known) if known else None)
    return result


def _fmt(number: float) -> str:
    """Coordinates with at most one decimal, so the SVG stays small and stable."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _open_svg(*, id_prefix: str, title: str, desc: str, height: int = HEIGHT) -> list[str]:
    title_id = f"{id_prefix}-title"
    desc_id = f"{id_prefix}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby={quoteattr(title_id + " " + desc_id)} focusable="false">',
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>",
        f"<desc id={quoteattr(desc_id)}>{escape(desc)}</desc>",
    ]


def _text(x: float, y: float, text: str, css: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" class={quoteattr(css)} '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _mood_axis(
    *,
    left: float,
    right: float,
    y_of: Callable[[float], float],
    mood_labels: Mapping[int, str],
) -> list[str]:
    parts = []
    for level in range(MOOD_MIN, MOOD_MAX + 1):
        y = y_of(level)
        parts.append(
            f'<line x1="{_fmt(left)}" y1="{_fmt(y)}" x2="{_fmt(right)}" y2="{_fmt(y)}" '
            'class="plot-grid"/>'
        )
        label = mood_labels.get(level, str(level))
        parts.append(_text(left - 6, y + 4, f"{label} {level}", "plot-label", "end"))
    return parts


def mood_over_time_svg(
    *,
    means: Sequence[float | None],
    rolling: Sequence[float | None],
    x_labels: Sequence[tuple[int, str]],
    mood_labels: Mapping[int, str],
    title: str,
    desc: str,
    id_prefix: str = "mood-plot",
) -> str:
    """Daily mean mood as points and its rolling mean as a line, one x step per day.

    `means` and `rolling` have one value per day (None where there is none);
    `x_labels` are (day index, text) pairs for the axis, e.g. the first of each month.
    """
    if len(means) != len(rolling):
        raise ValueError("means and rolling must have one value per day each")
    left, right, top, bottom = 92.0, WIDTH - 16.0, 16.0, HEIGHT - 36.0
    days = max(len(means), 1)
    step = (right - left) / max(days - 1, 1)

    def x_of(index: int) -> float:
        return left + index * step if days > 1 else (left + right) / 2

    def y_of(value: float) -> float:
        return bottom - (value - MOOD_MIN) / (MOOD_MAX - MOOD_MIN) * (bottom - top)

    parts = _open_svg(id_prefix=id_prefix, title=title, desc=desc)
    parts += _mood_axis(left=left, right=right, y_of=y_of, mood_labels=mood_labels)
    for index, text in x_labels:
        x = x_of(index)
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{_fmt(bottom)}" x2="{_fmt(x)}" y2="{_fmt(bottom + 5)}" '
            'class="plot-axis"/>'
        )
        parts.append(_text(x, bottom + 20, text, "plot-label"))
    parts.append(
        f'<line x1="{_fmt(left)}" y1="{_fmt(bottom)}" x2="{_fmt(right)}" y2="{_fmt(bottom)}" '
        'class="plot-axis"/>'
    )
    parts.append('<g class="plot-points">')
    for index, value in enumerate(means):
        if value is not None:
            parts.append(f'<circle cx="{_fmt(x_of(index))}" cy="{_fmt(y_of(value))}" r="3"/>')
    parts.append("</g>")
    # The rolling mean as one path, broken where a whole window had no check-ins.
    commands: list[str] = []
    pen_down = False
    for index, value in enumerate(rolling):
        if value is None:
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{_fmt(x_of(index))} {_fmt(y_of(value))}")
        pen_down = True
    if commands:
        parts.append(f'<path d="{" ".join(commands)}" class="plot-line"/>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(
    *,
    items: Sequence[tuple[str, int]],
    title: str,
    desc: str,
    id_prefix: str = "bars-plot",
) -> str:
    """Horizontal bars, one per (label, count), in the order given, each with its count."""
    row = 26
    top = 8.0
    height = int(top * 2 + row * max(len(items), 1))
    left, right = 160.0, WIDTH - 48.0
    largest = max((count for _label, count in items), default=0) or 1
    parts = _open_svg(id_prefix=id_prefix, title=title, desc=desc, height=height)
    for index, (label, count) in enumerate(items):
        y = top + index * row
        width = (right - left) * count / largest
        shown = label if len(label) <= 22 else label[:21] + "…"
        parts.append(_text(left - 8, y + 17, shown, "plot-label", "end"))
        parts.append(
            f'<rect x="{_fmt(left)}" y="{_fmt(y + 4)}" width="{_fmt(width)}" height="{row - 8}" '
            'class="plot-bar"/>'
        )
        parts.append(_text(left + width + 6, y + 17, str(count), "plot-label", "start"))
    parts.append("</svg>")
    return "".join(parts)


def sleep_mood_svg(
    *,
    points: Sequence[tuple[float, float]],
    mood_labels: Mapping[int, str],
    x_title: str,
    title: str,
    desc: str,
    id_prefix: str = "sleep-plot",
) -> str:
    """A scatter plot of (hours of sleep, mean mood that day), hours on the x axis."""
    left, right, top, bottom = 92.0, WIDTH - 16.0, 16.0, HEIGHT - 48.0
    most = max((hours for hours, _mood in points), default=0.0)
    x_max = max(12, int(most + 0.999))
    span = x_max if x_max > 0 else 1

    def x_of(hours: float) -> float:
        return left + hours / span * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - MOOD_MIN) / (MOOD_MAX - MOOD_MIN) * (bottom - top)

    parts = _open_svg(id_prefix=id_prefix, title=title, desc=desc)
    parts += _mood_axis(left=left, right=right, y_of=y_of, mood_labels=mood_labels)
    parts.append(
        f'<line x1="{_fmt(left)}" y1="{_fmt(bottom)}" x2="{_fmt(right)}" y2="{_fmt(bottom)}" '
        'class="plot-axis"/>'
    )
    for tick in range(0, x_max + 1, 2):
        parts.append(_text(x_of(tick), bottom + 18, str(tick), "plot-label"))
    parts.append(_text((left + right) / 2, bottom + 40, x_title, "plot-label"))
    parts.append('<g class="plot-points">')
    for sleep, mood in points:
        parts.append(f'<circle cx="{_fmt(x_of(sleep))}" cy="{_fmt(y_of(mood))}" r="4"/>')
    parts.append("</g></svg>")
    return "".join(parts)
