"""The histogram's bins and where the web page links the Temporal UI."""

from __future__ import annotations

from internal.api.histogram import BINS, histogram
from internal.config import Settings


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
