"""The row's retry rule: where an attempt starts, and what the next one gets after a weak result.

Both enrichers keep it: EnrichmentWorkflow carries it across continue-as-new (in `EnrichmentInput`'s own fields,
which recorded histories name), the channel pipeline through its queues.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from internal.domain.reuse import ReviewClaim


@dataclass(frozen=True)
class RowAttempt:
    attempt: int = 1
    cursor: str | None = None  # where the next page is read from (None: from the start, or nothing left)
    pages: int = 0  # pages read so far, over all attempts
    budget: int = 0  # pages the attempt may have read by its end; 0: the first attempt's (pages_per_attempt)
    exhausted: bool = False  # the source has no more pages
    escalation: int = 0  # index of this attempt's scorer in the chain
    best: dict[str, Any] | None = None  # the most trustworthy result so far (a ProductSentiment as a dict)

    def page_budget(self, pages_per_attempt: int) -> int:
        return self.budget or pages_per_attempt

    def wants_pages(self, pages_per_attempt: int) -> bool:
        return not self.exhausted and self.pages < self.page_budget(pages_per_attempt)

    def fetched(self, cursor: str | None, pages: int, pages_per_attempt: int) -> RowAttempt:
        """After this attempt's fetch: read on from `cursor` (None: the source has no more)."""
        return replace(
            self, cursor=cursor, pages=pages, budget=self.page_budget(pages_per_attempt), exhausted=cursor is None
        )

    def reusing(self, stored: ReviewClaim, pages_read: int, per: int) -> RowAttempt:
        """The row now holds reviews another row fetched (internal/domain/reuse.py): read on, if ever, from where
        that fetch stopped, with the scorer it ended with. A reuse also takes that row's attempt and result as its
        own, so that it settles exactly as that row did; a refresh, which added newer reviews, is judged afresh."""
        pages = max(stored.pages, pages_read)
        at = replace(
            self,
            cursor=stored.cursor,
            pages=pages,
            budget=max(self.page_budget(per), stored.budget, pages),
            exhausted=stored.exhausted,
            escalation=max(self.escalation, stored.escalation),
        )
        if stored.action == "reuse":
            at = replace(at, attempt=max(self.attempt, stored.attempt), best=stored.result)
        return at


def next_attempt(at: RowAttempt, action: str, best: dict[str, Any] | None, pages_per_attempt: int) -> RowAttempt:
    """A weak result's next attempt: `fetch_more` gets a larger page budget (reading on from the cursor),
    `escalate` the next scorer of the chain."""
    budget = at.page_budget(pages_per_attempt)
    return replace(
        at,
        attempt=at.attempt + 1,
        budget=budget + pages_per_attempt if action == "fetch_more" else budget,
        escalation=at.escalation + (1 if action == "escalate" else 0),
        best=best,
    )
