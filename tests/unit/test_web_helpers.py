"""The histogram's bins, where the web page links the Temporal UI, and how a result row is shown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from internal.http.histogram import BINS, histogram
from internal.http.web import reviews_shown, row_view
from internal.ledger.records import RowState
from internal.platform.config import Settings


def test_histogram_bins_half_stars_with_five_in_the_last_bin() -> None:
    hist = histogram([1.0, 1.49, 2.6, 4.99, 5.0, 7.0])
    assert [b.count for b in hist.bars] == [2, 0, 0, 1, 0, 0, 0, 3]
    assert len(hist.bars) == BINS and hist.total == 6 and hist.peak == 3
    tallest = hist.bars[-1]
    assert tallest.y == hist.pad and tallest.height == hist.height - 2 * hist.pad
    assert histogram([]).bars[0].height == 0


def test_temporal_ui_defaults_to_the_embedded_ui_and_yields_to_the_setting() -> None:
    assert Settings(_env_file=None).temporal_ui == "http://127.0.0.1:8233"
    assert Settings(_env_file=None, temporal_ui_port=0).temporal_ui is None
    assert Settings(_env_file=None, temporal_host_port="temporal:7233").temporal_ui is None
    given = Settings(_env_file=None, temporal_host_port="t:7233", temporal_ui_url="https://ui.example/")
    assert given.temporal_ui == "https://ui.example"


def _row(result: dict[str, Any] | None, name: str | None = "My lamp") -> RowState:
    return RowState(
        job_id="j", row_num=2, product_id="many-1", name=name, url=None, source=None, cells=["many-1", "My lamp"],
        status="succeeded", stage=None, attempt=1, result=result, reason="ok", error_column=None, duplicate_of=None,
        workflow_id=None, updated_at=datetime.now(UTC),
    )  # fmt: skip


def test_a_result_row_shows_the_users_name_first_and_reviews_scored_of_those_available() -> None:
    result: dict[str, Any] = {"review_count": 60, "source": "demo", "meta": {"name": "Demo many-1"}}
    view = row_view(_row({**result, "reviews_available": 400}))
    assert (view["own_name"], view["source_name"], view["demo"]) == ("My lamp", "Demo many-1", True)
    assert view["reviews"] == "60 of 400"
    # Only a larger count that is a number says "of": absent, equal, or anything odd shows the count as before.
    for available in (None, 60, 12, "400", True, 4.5e2):
        assert row_view(_row({**result, "reviews_available": available}))["reviews"] == "60", available
    assert row_view(_row(result))["reviews"] == "60"
    assert reviews_shown(None, 400) == "—"
    unnamed = row_view(_row({**result, "source": "walmart"}, name=None))
    assert (unnamed["own_name"], unnamed["source_name"], unnamed["demo"]) == (None, "Demo many-1", False)
    assert row_view(_row(None))["reviews"] == "—"
