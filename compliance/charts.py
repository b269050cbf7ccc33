"""Geometry of the dashboard's SVG charts, computed here so the template
only draws (no JavaScript, no chart library)."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from compliance.registry import SEVERITY_ORDER
from compliance.selectors import TrendPoint

WIDTH = 720
HEIGHT = 180
TOP = 12
BOTTOM = 22
LEFT = 36


@dataclass(frozen=True)
class Segment:
    severity: str
    x: float
    y: float
    width: float
    height: float
    count: int


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    label: str
    total: int
    segments: list[Segment]
    show_label: bool


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    left: int
    baseline: float
    columns: list[Column]
    maximum: int
    ticks: list[tuple[float, int]]


def stacked_bars(points: list[TrendPoint]) -> StackedBars:
    """One column per run, its open findings stacked by severity (errors at
    the bottom, where the eye starts)."""
    maximum = max([*(point.total for point in points), 1])
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT) / max(len(points), 1)
    width = min(max(slot * 0.7, 2), 24)
    columns = []
    every = max(1, len(points) // 6)
    for index, point in enumerate(points):
        x = LEFT + index * slot + (slot - width) / 2
        y = float(baseline)
        segments = []
        for severity in SEVERITY_ORDER:
            count = point.by_severity.get(severity, 0)
            height = plot_height * count / maximum
            y -= height
            if count:
                segments.append(Segment(severity, x, y, width, height, count))
        started = timezone.localtime(point.run.started_at)
        column = Column(
            x=x,
            width=width,
            label=date_format(started, "SHORT_DATE_FORMAT"),
            total=point.total,
            segments=segments,
            show_label=index % every == 0 or index == len(points) - 1,
        )
        columns.append(column)
    ticks = [(baseline - plot_height * value / maximum, value) for value in _ticks(maximum)]
    return StackedBars(WIDTH, HEIGHT, LEFT, baseline, columns, maximum, ticks)


def _ticks(maximum: int) -> list[int]:
    if maximum <= 4:
        return list(range(0, maximum + 1))
    step = max(1, round(maximum / 4))
    return list(range(0, maximum + 1, step))


SPARK_WIDTH = 90
SPARK_HEIGHT = 20


def sparkline(values: list[int]) -> str:
    """The points of a small polyline of a check's open findings per run."""
    if not values:
        return ""
    top = max([*values, 1])
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(
        f"{index * step:.1f},{SPARK_HEIGHT - 2 - (SPARK_HEIGHT - 4) * value / top:.1f}"
        for index, value in enumerate(values)
    )
