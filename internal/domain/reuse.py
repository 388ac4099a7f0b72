"""Reviews reused instead of bought twice: what a row is told when it asks for its product's stored reviews.

A row about to fetch first claims its (source, product) in PostgreSQL (internal/enrichment/product_store.py). The
answer is one of four: its reviews and scores were fetched recently and are now copied into the row (`reuse`);
another row is fetching them right now, so wait and ask again (`wait`); nobody has them fresh, so this row fetches
them and holds the product until it finishes (`fetch`); or the job refreshes, so the stored ones are copied and only
newer reviews are fetched (`refresh`). Pure records and rules, no I/O: workflow code imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

ClaimAction = Literal["reuse", "wait", "fetch", "refresh"]

# REVIEW_MAX_AGE when unset: reviews fetched in the last day are reused by a new job.
DEFAULT_REVIEW_MAX_AGE = 24 * 3600
# How long a row that claimed a product may hold it before another row takes over (it crashed without finishing,
# or its job was terminated). A row's whole run is capped far longer (row_timeout_seconds), but a fetch is minutes.
FETCH_LEASE_SECONDS = 600
# How often a row waiting for another row's fetch of the same product asks again.
CLAIM_WAIT_SECONDS = 2

_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class ReviewClaim:
    action: ClaimAction
    # Where the stored reviews came from (reuse and refresh): that job and row, and when they fetched them.
    from_job: str | None = None
    from_row: int | None = None
    fetched_at: str | None = None  # ISO 8601
    reviews: int = 0  # reviews copied into the row
    # Where the stored fetch stopped, so that a reused row that wants more pages reads on from there.
    cursor: str | None = None
    pages: int = 0
    exhausted: bool = False
    escalation: int = 0
    # That row's last attempt, page budget and result: a reusing row goes on from there, and so settles as it did.
    attempt: int = 1
    budget: int = 0
    result: dict[str, Any] | None = None
    # wait: the job whose row is fetching this product now.
    holder_job: str | None = None

    def for_chain(self, chain: Sequence[str]) -> ReviewClaim:
        """The claim as a row scoring with `chain` may take it. The stored escalation is an index into the chain
        of the job that stored it, and its result that chain's verdict: a row with another chain keeps the reviews
        and where the fetch stopped, but scores them with its own chain from the start and judges them afresh.
        The chains agree when every scorer that had a word in the stored result sits in this chain at or below the
        stored escalation level. An empty chain (an input recorded before rows sent theirs) takes it as before."""
        if self.result is None or not chain:
            return self
        used = {str(s) for s in self.result.get("scorers") or []}
        if used and used <= set(chain[: self.escalation + 1]):
            return self
        return replace(self, escalation=0, attempt=1, result=None)

    def note(self) -> str:
        """What the row's reason says about where its reviews came from."""
        if self.action == "reuse":
            return f"reviews reused from job {self.from_job} fetched at {self.fetched_at}"
        if self.action == "refresh" and self.from_job is not None:
            return f"refreshed: {self.reviews} stored reviews from job {self.from_job} (fetched at {self.fetched_at})"
        return ""


def score_change(previous: dict[str, Any] | None, current: dict[str, Any]) -> float | None:
    """The change of the product's score (1..5 stars) since the result it was last stored with."""
    if not previous or previous.get("score_5") is None or current.get("score_5") is None:
        return None
    return round(float(current["score_5"]) - float(previous["score_5"]), 3)


def parse_duration(value: object) -> int:
    """Seconds from `86400`, `"86400"`, `"90s"`, `"15m"`, `"24h"`, `"7d"` or `"1h30m"`; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 24h, 15m, 90s or a number of seconds")
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value).strip().lower()
        if text.isdigit():
            seconds = int(text)
        elif text and _DURATION.sub("", text).strip() == "" and _DURATION.search(text):
            seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(text))
        else:
            raise ValueError(f"{value!r} is not a duration (use e.g. 24h, 15m, 90s, 1h30m or seconds)")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds
