"""The claim on a product's stored reviews that starts a row's first attempt (steps version 3).

A local activity: one short transaction in PostgreSQL (internal/state/products.py) that decides whether the row
reuses, waits, fetches or refreshes, and copies stored reviews and scores into the row when it reuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity

from internal.activities import io
from internal.state.ports import Products


class ReuseActivities:
    def __init__(self, state: Products) -> None:
        self._state = state

    @activity.defn(name=io.CLAIM_REVIEWS)
    async def claim_reviews(self, inp: io.ClaimInput) -> io.ReviewClaim:
        return await self._state.claim_reviews(
            inp.job_id,
            inp.row_num,
            inp.source,
            inp.product_id,
            max_age_seconds=inp.max_age_seconds,
            refresh=inp.refresh,
        )

    def all(self) -> list[Callable[..., Any]]:
        return [self.claim_reviews]
