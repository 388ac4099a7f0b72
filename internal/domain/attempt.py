"""The row's retry rule: where an attempt starts, and what the next one gets after a weak result.

EnrichmentWorkflow carries it across continue-as-new in `EnrichmentInput`'s fields of the same names (recorded
histories name them), and hands it whole to the activities that need it (`FeedbackInput.row_attempt`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from internal.domain.reuse import ReviewClaim


@dataclass(frozen=True)
class RowAttempt:
    attempt: int = 1
    cursor: str | None = None  # where the next page is read from (None: from the start, or nothing left)
    pages_fetched: int = 0  # pages read so far, over all attempts
    page_budget: int = 0  # pages the attempt may have read by its end; 0: the first attempt's (pages_per_attempt)
    source_exhausted: bool = False  # the source has no more pages
    escalation_level: int = 0  # index of this attempt's scorer in the chain
    best: dict[str, Any] | None = None  # the most trustworthy result so far (a ProductSentiment as a dict)

    def budget_for(self, pages_per_attempt: int) -> int:
        return self.page_budget or pages_per_attempt

    def wants_pages(self, pages_per_attempt: int) -> bool:
        return not self.source_exhausted and self.pages_fetched < self.budget_for(pages_per_attempt)

    def fetched(self, cursor: str | None, pages: int, pages_per_attempt: int) -> RowAttempt:
        """After this attempt's fetch: read on from `cursor` (None: the source has no more)."""
        return replace(
            self,
            cursor=cursor,
            pages_fetched=pages,
            page_budget=self.budget_for(pages_per_attempt),
            source_exhausted=cursor is None,
        )

    def reusing(self, stored: ReviewClaim, pages_read: int, per: int) -> RowAttempt:
        """The row now holds reviews another row fetched (internal/domain/reuse.py): read on, if ever, from where
        that fetch stopped, with the scorer it ended with. A reuse also takes that row's attempt and result as its
        own, so that it settles exactly as that row did; a refresh, which added newer reviews, is judged afresh."""
        pages = max(stored.pages, pages_read)
        at = replace(
            self,
            cursor=stored.cursor,
            pages_fetched=pages,
            page_budget=max(self.budget_for(per), stored.budget, pages),
            source_exhausted=stored.exhausted,
            escalation_level=max(self.escalation_level, stored.escalation),
        )
        if stored.action == "reuse":
            at = replace(at, attempt=max(self.attempt, stored.attempt), best=stored.result)
        return at


def next_attempt(at: RowAttempt, action: str, best: dict[str, Any] | None, pages_per_attempt: int) -> RowAttempt:
    """A weak result's next attempt: `fetch_more` gets a larger page budget (reading on from the cursor),
    `escalate` the next scorer of the chain."""
    budget = at.budget_for(pages_per_attempt)
    return replace(
        at,
        attempt=at.attempt + 1,
        page_budget=budget + pages_per_attempt if action == "fetch_more" else budget,
        escalation_level=at.escalation_level + (1 if action == "escalate" else 0),
        best=best,
    )
