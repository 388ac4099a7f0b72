"""A job at a glance: the share of positive / neutral / negative products, the best and worst, and the aspects across
the job (which drive its negative products), for the whole job and per value of an uploaded column.

Pure accumulation over the rows the service pages through (findings_service.py), so memory grows with the groups
and aspects, never with the rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from internal.domain.models import LABELS

# Products listed as best and worst, and aspects listed, per summary.
EXTREMES = 5
MAX_ASPECTS = 15


@dataclass(frozen=True, order=True)
class Brief:
    """One product as the overview names it."""

    score_5: float
    row: int
    product_id: str | None = field(compare=False)
    name: str | None = field(compare=False)
    label: str | None = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "product_id": self.product_id, "name": self.name, "score_5": self.score_5}


@dataclass
class _AspectTally:
    products: int = 0
    mentions: int = 0
    positive: int = 0
    negative: int = 0
    weighted: float = 0.0
    # Negative products in which more reviews fault this aspect than praise it: what drives them down.
    negative_products: int = 0

    def to_dict(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "products": self.products,
            "mentions": self.mentions,
            "positive": self.positive,
            "negative": self.negative,
            "mean_sentiment": round(self.weighted / self.mentions, 4) if self.mentions else None,
            "negative_products": self.negative_products,
        }


@dataclass
class Summary:
    products: int = 0
    labels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    score_sum: float = 0.0
    best: list[Brief] = field(default_factory=list)  # min-heaps of the EXTREMES best (worst) so far
    worst: list[tuple[float, int, Brief]] = field(default_factory=list)
    aspects: dict[str, _AspectTally] = field(default_factory=dict)

    def add(self, brief: Brief, findings: Mapping[str, Any] | None) -> None:
        self.products += 1
        if brief.label in self.labels:
            self.labels[brief.label] += 1
        self.score_sum += brief.score_5
        _keep(self.best, brief)
        _keep(self.worst, (-brief.score_5, -brief.row, brief))
        for a in (findings or {}).get("aspects") or []:
            tally = self.aspects.setdefault(str(a["name"]), _AspectTally())
            mentions = int(a.get("mentions") or 0)
            tally.products += 1
            tally.mentions += mentions
            tally.positive += int(a.get("positive") or 0)
            tally.negative += int(a.get("negative") or 0)
            tally.weighted += float(a.get("mean_sentiment") or 0.0) * mentions
            if brief.label == "negative" and int(a.get("negative") or 0) > int(a.get("positive") or 0):
                tally.negative_products += 1

    def to_dict(self) -> dict[str, Any]:
        n = self.products
        aspects = sorted(self.aspects.items(), key=lambda kv: (-kv[1].negative_products, -kv[1].products, kv[0]))
        return {
            "products": n,
            "labels": dict(self.labels),
            "shares": {label: round(count / n, 4) if n else 0.0 for label, count in self.labels.items()},
            "mean_score_5": round(self.score_sum / n, 3) if n else None,
            "best": [b.to_dict() for b in sorted(self.best, reverse=True)],
            # Worst first; a tie goes to the earlier row.
            "worst": [b.to_dict() for _, _, b in sorted(self.worst, reverse=True)],
            "aspects": [tally.to_dict(name) for name, tally in aspects[:MAX_ASPECTS]],
        }


def _keep(heap: list[Any], item: Any) -> None:
    if len(heap) < EXTREMES:
        heapq.heappush(heap, item)
    else:
        heapq.heappushpop(heap, item)


@dataclass
class Overview:
    """The whole job's summary and, with `column`, one per value of that uploaded column (in first-seen order)."""

    column: int | None = None
    total: Summary = field(default_factory=Summary)
    groups: dict[str, Summary] = field(default_factory=dict)

    def add(self, row: Mapping[str, Any]) -> None:
        """One row as findings_store.job_page reads it; a row without a scored result (or a duplicate, which
        would count its product twice) is left out."""
        result = row["result"] or {}
        if row["status"] == "duplicate" or result.get("score_5") is None:
            return
        brief = Brief(
            score_5=float(result["score_5"]),
            row=int(row["row_num"]),
            product_id=row["product_id"],
            name=(result.get("meta") or {}).get("name") or row["name"],
            label=result.get("label"),
        )
        self.total.add(brief, row["findings"])
        if self.column is not None:
            cells = row["cells"] or []
            value = cells[self.column] if self.column < len(cells) else ""
            self.groups.setdefault(value, Summary()).add(brief, row["findings"])
