"""The product history page's pure parts: which two points it compares, and the chart's geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from internal.http.history_chart import HEIGHT, PAD_X, PAD_Y, WIDTH, chart
from internal.http.web_products import NoSuchPoint, pick

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def point(history_id: int, mean: float | None, low: float | None = None, high: float | None = None) -> dict[str, Any]:
    return {
        "history_id": history_id,
        "mean_sentiment": mean,
        "ci95_low": low,
        "ci95_high": high,
        "review_count": history_id * 3,
        "origin": "push",
        "recorded_at": T0 + timedelta(minutes=history_id),
    }


def test_pick_defaults_to_the_last_two_and_orders_what_is_asked() -> None:
    h = [point(1, 0.5), point(4, 0.2), point(9, -0.1)]
    assert [p and p["history_id"] for p in pick(h, None, None)] == [4, 9]
    assert [p and p["history_id"] for p in pick(h, 9, 1)] == [1, 9]  # older first
    assert [p and p["history_id"] for p in pick(h, 0, 4)] == [None, 4]  # 0: from the start
    assert [p and p["history_id"] for p in pick(h[:1], None, None)] == [None, 1]  # one point: from the start
    assert [p and p["history_id"] for p in pick(h, 4, 4)] == [None, 4]
    with pytest.raises(NoSuchPoint, match="no history point 5"):
        pick(h, 5, None)
    with pytest.raises(NoSuchPoint, match="can only be a"):  # b=0 (the start) was a KeyError: a 500
        pick(h, 4, 0)


def test_chart_puts_each_point_and_its_interval_on_the_sentiment_scale() -> None:
    c = chart([point(1, 1.0, 0.5, 1.0), point(2, -1.0, None, None), point(3, None)])
    top, bottom = PAD_Y, HEIGHT - PAD_Y
    first, second, third = c.points
    assert (first.x, second.x, third.x) == (PAD_X, WIDTH / 2, WIDTH - PAD_X)  # evenly spaced
    assert first.y == top and second.y == bottom and third.y is None
    assert first.y_low == pytest.approx((top + bottom) / 2 - (bottom - top) / 4) and first.y_high == top
    assert second.y_low is None
    assert c.path == f"M{PAD_X:.1f},{top:.1f} L{WIDTH / 2:.1f},{bottom:.1f}"  # the point without a mean is skipped
    assert chart([point(1, 0.0)]).points[0].x == WIDTH / 2
