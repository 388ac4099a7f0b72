"""The results table as a person reads it in a 110-column terminal, for result shapes the live tests do not make:
a score on a sample of what the source reports (`reviews_available`), rows from several sources, a console too
narrow for everything. The live CLI is tested in tests/integration/test_cli_output.py."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from internal.cli.render import demo_notice, print_results


def _row(row: int, product_id: str, *, name: str = "", **result: Any) -> dict[str, Any]:
    res = {"review_count": 60, "score_display": "4.10 / 5", "label": "positive", "confidence": "high", **result}
    return {
        "row": row,
        "product_id": product_id,
        "status": "succeeded",
        "reason": "60 reviews, high confidence",
        "input": {"product_id": product_id, "name": name},
        "result": res,
    }


def _seen(rows: list[dict[str, Any]], options: dict[str, Any], width: int = 110) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO(), soft_wrap=True)
    print_results(console, rows, options)
    return console.export_text().splitlines()


def test_a_sampled_score_says_how_many_reviews_the_source_has() -> None:
    lines = _seen(
        [
            _row(2, "many-1", reviews_available=400, source="walmart"),
            _row(3, "few-1", review_count=40, reviews_available=40, source="walmart"),
            _row(4, "old-1", source="walmart"),  # a result from before reviews_available existed
            _row(5, "none-1", reviews_available=None, source="walmart"),
        ],
        {"source": "walmart"},
    )
    by_row = {line.split()[0]: line for line in lines[2:]}
    assert "60 of 400" in by_row["2"]
    assert " 40 " in by_row["3"] and " of " not in by_row["3"]
    assert " 60 " in by_row["4"] and " 60 " in by_row["5"]
    assert not any("Demo data" in line for line in lines)  # a real source: no notice


def test_the_demo_notice_counts_demo_rows_in_a_mixed_job() -> None:
    rows = [_row(2, "a", source="demo"), _row(3, "b", source="walmart"), _row(4, "c", source="walmart")]
    lines = _seen(rows, {"source": "walmart"})
    assert lines[-1] == (
        "Demo data: 1 of 3 rows have reviews invented by the offline demo source. Set REVIEW_SOURCE for real ones."
    )
    assert demo_notice({"source": "demo"}) is not None  # `submit --wait`: from the job's options alone
    assert demo_notice({"source": "walmart"}) is None


def test_long_cells_are_cut_not_wrapped_and_the_users_name_comes_first() -> None:
    long_reason = "67% of reviews neutral or mixed (> 50%); text agrees with stars on 40% (< 60%); reading more"
    rows = [
        _row(2, "sku-" + "x" * 40, name="My own very long product name", meta={"name": "Vendor's Name"}),
        {**_row(3, "sku-2", name="Kettle", meta={"name": "kettle"}), "reason": long_reason},
    ]
    lines = _seen(rows, {"source": "walmart"})
    assert all(len(line) <= 110 for line in lines)
    assert [line.split()[0] for line in lines[2:]] == ["2", "3"]  # one line per row
    assert "sku-xxx" in lines[2] and "…" in lines[2] and lines[3].rstrip().endswith("…")
    assert "  My own very" in lines[2]
    assert "Kettle" in lines[3] and "· kettle" not in lines[3]  # the same name twice is said once
    wide = "\n".join(_seen(rows, {}, 240))
    assert "My own very long product name · Vendor's Name" in wide and long_reason in wide and "…" not in wide
