"""A product's sentiment over time as an SVG line of points, each with its 95 % interval drawn as a vertical
whisker: geometry here, markup in templates/_history.svg (no chart library: the page works offline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Mean sentiment is on −1..+1, the scale its interval is computed on (internal/domain/aggregate.py).
LOW, HIGH = -1.0, 1.0
WIDTH, HEIGHT, PAD_X, PAD_Y = 640, 220, 44, 22


@dataclass(frozen=True)
class ChartPoint:
    history_id: int
    x: float
    y: float | None  # None: that change has no mean (no scored reviews)
    y_low: float | None
    y_high: float | None
    mean: float | None
    low: float | None
    high: float | None
    review_count: int
    origin: str
    recorded_at: datetime


@dataclass(frozen=True)
class Tick:
    y: float
    value: float


@dataclass(frozen=True)
class Chart:
    points: list[ChartPoint]
    ticks: list[Tick]
    path: str  # the line through the points that have a mean
    width: int = WIDTH
    height: int = HEIGHT
    pad_x: int = PAD_X
    pad_y: int = PAD_Y


def _y(value: float) -> float:
    value = min(HIGH, max(LOW, value))
    return PAD_Y + (HEIGHT - 2 * PAD_Y) * (HIGH - value) / (HIGH - LOW)


def _opt_y(value: float | None) -> float | None:
    return None if value is None else _y(value)


def chart(history: list[dict[str, Any]]) -> Chart:
    """History rows (product_sentiment_history, oldest first) spaced evenly along x: changes can be seconds or
    weeks apart, and each one is worth reading."""
    plot_w = WIDTH - 2 * PAD_X
    step = plot_w / max(1, len(history) - 1)
    points = []
    for i, h in enumerate(history):
        x = PAD_X + (plot_w / 2 if len(history) == 1 else i * step)
        mean, low, high = h["mean_sentiment"], h["ci95_low"], h["ci95_high"]
        points.append(
            ChartPoint(
                history_id=int(h["history_id"]),
                x=x,
                y=_opt_y(mean),
                y_low=_opt_y(low),
                y_high=_opt_y(high),
                mean=mean,
                low=low,
                high=high,
                review_count=int(h["review_count"]),
                origin=h["origin"],
                recorded_at=h["recorded_at"],
            )
        )
    drawn = [p for p in points if p.y is not None]
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(drawn))
    ticks = [Tick(_y(v), v) for v in (-1.0, -0.5, 0.0, 0.5, 1.0)]
    return Chart(points=points, ticks=ticks, path=path)
