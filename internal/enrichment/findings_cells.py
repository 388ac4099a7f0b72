"""A row's findings as a few compact cells (the CSV export's), and the reader that attaches findings to rows.

The jobs family reads rows from the ledger; the findings are this family's (findings_store.py), which the jobs
family may not import. Every entry point's state (internal/app/state.py's StateManager) carries the findings store
as `state.findings`, so `with_findings` finds it there by shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from internal.domain.models import LABELS
from internal.ledger.records import RowState

# How many aspects the praised / complained-about cells name.
TOP_ASPECTS = 3

FINDINGS_COLUMNS = [
    # "battery life:12; price:8": the aspects most reviews praise (complain about), with how many reviews do.
    "praised_aspects",
    "complained_aspects",
    # The most representative praise and complaint, verbatim from one review.
    "praise_quote",
    "complaint_quote",
    # Reviews by label.
    *(f"reviews_{label}" for label in LABELS),
]


class RowFindingsReader(Protocol):
    async def rows_findings(self, job_id: str, row_nums: Sequence[int]) -> dict[int, dict[str, Any]]: ...


@runtime_checkable
class WithFindings(Protocol):
    @property
    def findings(self) -> RowFindingsReader: ...


async def with_findings(state: object, job_id: str, rows: list[RowState]) -> list[RowState]:
    """The rows with their findings attached (a state without a findings store leaves them as they are)."""
    if not rows or not isinstance(state, WithFindings):
        return rows
    found = await state.findings.rows_findings(job_id, [r.row_num for r in rows])
    return [dataclasses.replace(r, findings=found.get(r.row_num)) for r in rows]


def top_aspects(findings: Mapping[str, Any] | None, side: str, limit: int = TOP_ASPECTS) -> list[tuple[str, int]]:
    """The aspects with most reviews on one side ("positive" or "negative"), most first, then by name."""
    aspects = (findings or {}).get("aspects") or []
    counted = [(str(a["name"]), int(a.get(side) or 0)) for a in aspects]
    counted = [(name, n) for name, n in counted if n > 0]
    counted.sort(key=lambda nc: (-nc[1], nc[0]))
    return counted[:limit]


def findings_cells(findings: Mapping[str, Any] | None, label_distribution: Mapping[str, int] | None) -> dict[str, Any]:
    evidence = (findings or {}).get("evidence") or {}
    dist = evidence.get("label_distribution") or label_distribution or {}
    praise, complaint = evidence.get("praise") or {}, evidence.get("complaint") or {}
    cells: dict[str, Any] = {
        "praised_aspects": "; ".join(f"{n}:{c}" for n, c in top_aspects(findings, "positive")) or None,
        "complained_aspects": "; ".join(f"{n}:{c}" for n, c in top_aspects(findings, "negative")) or None,
        "praise_quote": praise.get("text"),
        "complaint_quote": complaint.get("text"),
    }
    for label in LABELS:
        cells[f"reviews_{label}"] = dist.get(label, 0) if dist else None
    return cells
