"""Product scores of a job as bars of an SVG histogram: geometry here, markup in templates/_histogram.svg."""

from __future__ import annotations

from dataclasses import dataclass

# Scores are on the 1..5 star scale (ProductSentiment.score_5); half-star bins read naturally.
LOW, HIGH, BINS = 1.0, 5.0, 8
WIDTH, HEIGHT, PAD = 400, 160, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    low: float
    high: float


@dataclass(frozen=True)
class Histogram:
    bars: list[Bar]
    total: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD


def histogram(scores: list[float]) -> Histogram:
    counts = [0] * BINS
    step = (HIGH - LOW) / BINS
    for score in scores:
        # A 5.0 belongs to the last bin, not one past it; anything outside the scale is clamped onto it.
        counts[min(BINS - 1, max(0, int((score - LOW) / step)))] += 1
    peak = max(counts) or 1
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    bar_w = plot_w / BINS
    bars = [
        Bar(
            x=PAD + i * bar_w,
            y=PAD + plot_h - plot_h * c / peak,
            width=bar_w - 2,
            height=plot_h * c / peak,
            count=c,
            low=LOW + i * step,
            high=LOW + (i + 1) * step,
        )
        for i, c in enumerate(counts)
    ]
    return Histogram(bars=bars, total=len(scores), peak=max(counts))
