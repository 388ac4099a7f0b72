"""The claim on a product's stored reviews, on the real PostgreSQL (internal/enrichment/product_store.py): who
fetches, who waits, who reuses, and that a holder that ended or ran out of lease blocks nobody."""

from __future__ import annotations

from internal.app.state import StateManager
from internal.domain.models import Review
from tests.integration.harness import new_job

DAY = 86400


async def _claim(state: StateManager, job_id: str, *, max_age: int = DAY, refresh: bool = False) -> str:
    claim = await state.products.claim_reviews(job_id, 2, "demo", "p-1", max_age_seconds=max_age, refresh=refresh)
    return claim.action


async def _publish(state: StateManager, job_id: str) -> None:
    await state.reviews.store_reviews(job_id, 2, [Review(review_id="r1", text="Great kettle.", rating=5.0)], requests=1)
    await state.products.publish_reviews(
        job_id, 2, "demo", "p-1", cursor=None, pages=1, exhausted=True, escalation=0, attempt=1, budget=3, result={}
    )


async def test_one_row_fetches_the_others_wait_then_reuse(state: StateManager) -> None:
    a, b, c = [await new_job(state, ["p-1"]) for _ in range(3)]
    assert await _claim(state, a) == "fetch"
    assert await _claim(state, a) == "fetch"  # a retried claim by the holder gets the same answer
    assert await _claim(state, b) == "wait"
    assert (await state.rows.get_row(b, 2)).stage == f"waiting: job {a} is fetching this product"  # type: ignore[union-attr]
    await _publish(state, a)
    assert await _claim(state, b) == "reuse"
    assert await state.reviews.count_reviews(b, 2) == 1
    assert await _claim(state, c, max_age=0) == "fetch"  # max age 0: stored reviews are never fresh
    assert await _claim(state, c, refresh=True) == "refresh"
    assert await state.reviews.count_reviews(c, 2) == 1  # a refresh starts from the stored reviews


async def test_a_holder_that_ended_or_whose_lease_ran_out_blocks_nobody(state: StateManager) -> None:
    a, b, c = [await new_job(state, ["p-1"]) for _ in range(3)]
    assert await _claim(state, a) == "fetch"
    assert await _claim(state, b) == "wait"
    await state.rows.set_row_state(a, 2, "failed", reason="product not found")
    assert await _claim(state, b) == "fetch"  # the failed holder stored nothing: b fetches itself
    await state.products._pool.execute("UPDATE product_fetches SET held_until = now() - interval '1 second'")
    assert await _claim(state, c) == "fetch"  # b's lease ran out
