"""Every StateManager operation against a real, freshly migrated PostgreSQL database."""

from __future__ import annotations

import asyncio

import pytest

from internal.app.state import StateManager
from internal.domain.lifecycle import InvalidTransition
from internal.domain.models import Review, ReviewScore
from internal.ledger.jobs import JobNotFound
from internal.ledger.records import NewJob, NewRow


def _rows(*ids: str | None, start: int = 2) -> list[NewRow]:
    return [
        NewRow(
            row_num=start + i,
            product_id=pid,
            cells=[pid or "", f"name {i}"],
            name=f"name {i}",
            error=None if pid else "product id is empty",
            error_column=None if pid else 1,
        )
        for i, pid in enumerate(ids)
    ]


async def _job(state: StateManager, *ids: str | None, job_id: str = "j1") -> None:
    await state.jobs.create_job(NewJob(job_id=job_id, header=["product_id", "name"], id_column="product_id"))
    await state.rows.add_rows(job_id, _rows(*ids))
    await state.rows.complete_intake(job_id)


async def test_create_job_is_idempotent_on_id_and_idempotency_key(state: StateManager) -> None:
    job, created = await state.jobs.create_job(NewJob(job_id="a", idempotency_key="k1", options={"window": 5}))
    assert created and job.status == "created" and job.options == {"window": 5}
    again, created_again = await state.jobs.create_job(NewJob(job_id="a"))
    assert not created_again and again.job_id == "a"
    by_key, created_by_key = await state.jobs.create_job(NewJob(job_id="b", idempotency_key="k1"))
    assert not created_by_key and by_key.job_id == "a"
    with pytest.raises(JobNotFound):
        await state.jobs.get_job("b")


async def test_intake_counts_invalid_and_duplicate_rows_and_adds_up(state: StateManager) -> None:
    await _job(state, "p1", "p2", None, "p1", "p3", "p2", "p1")
    progress = await state.jobs.get_progress("j1")
    assert progress.total == 7
    assert progress.counts["pending"] == 3
    assert progress.counts["invalid"] == 1
    assert progress.counts["duplicate"] == 3
    assert sum(progress.counts.values()) == progress.total
    dup = await state.rows.get_row("j1", 5)
    assert dup is not None and dup.status == "duplicate" and dup.duplicate_of == 2
    assert dup.reason is not None and "row 2" in dup.reason
    invalid = await state.rows.get_row("j1", 4)
    assert invalid is not None and invalid.reason == "product id is empty" and invalid.error_column == 1
    job = await state.jobs.get_job("j1")
    assert job.intake_complete and job.total_rows == 7


async def test_resending_a_batch_and_finishing_twice_changes_nothing(state: StateManager) -> None:
    await _job(state, "p1", "p2", "p2")
    assert await state.rows.add_rows("j1", _rows("p1", "p2", "p2")) == 0
    progress = await state.rows.complete_intake("j1")
    assert progress.total == 3 and progress.counts["pending"] == 2 and progress.counts["duplicate"] == 1


async def test_ingest_streams_in_batches(state: StateManager) -> None:
    await state.jobs.create_job(NewJob(job_id="big"))

    async def gen() -> object:
        for i in range(2, 2 + 2345):
            yield NewRow(row_num=i, product_id=f"p{i}", cells=[f"p{i}"])

    inserted = await state.rows.ingest_rows("big", gen(), batch_size=500)  # type: ignore[arg-type]
    assert inserted == 2345
    assert (await state.rows.complete_intake("big")).counts["pending"] == 2345


async def test_page_row_keys_walks_pending_rows_in_order(state: StateManager) -> None:
    await _job(state, "a", "b", None, "c", "a", "d")
    first = await state.rows.page_row_keys("j1", limit=2)
    assert [(k.row_num, k.product_id) for k in first] == [(2, "a"), (3, "b")]
    rest = await state.rows.page_row_keys("j1", after_row=first[-1].row_num, limit=10)
    assert [k.product_id for k in rest] == ["c", "d"]


async def test_row_transitions_keep_counters_exact_and_terminal_is_final(state: StateManager) -> None:
    await _job(state, "a", "b")
    assert await state.rows.set_row_state("j1", 2, "running", stage="fetch", attempt=1) == "pending"
    # Same status again (a retried activity) moves no counter.
    assert await state.rows.set_row_state("j1", 2, "running", stage="score") == "running"
    assert await state.rows.set_row_state("j1", 2, "succeeded", result={"score": 4.2}, reason="ok") == "running"
    # A late non-terminal update and a second terminal one are both refused.
    assert await state.rows.set_row_state("j1", 2, "running", stage="fetch") is None
    assert await state.rows.set_row_state("j1", 2, "failed", reason="late") is None
    row = await state.rows.get_row("j1", 2)
    assert row is not None
    assert (row.status, row.stage, row.attempt, row.result, row.reason) == (
        "succeeded",
        "score",
        1,
        {"score": 4.2},
        "ok",
    )
    progress = await state.jobs.get_progress("j1")
    assert progress.counts["succeeded"] == 1 and progress.counts["pending"] == 1
    assert progress.counts["running"] == 0
    assert progress.done == 1 and progress.percent == 50.0


async def test_concurrent_row_updates_do_not_lose_counts(state: StateManager) -> None:
    await _job(state, *[f"p{i}" for i in range(60)])

    async def run(row: int) -> None:
        await state.rows.set_row_state("j1", row, "running")
        await asyncio.gather(
            state.rows.set_row_state("j1", row, "succeeded"), state.rows.set_row_state("j1", row, "failed")
        )

    await asyncio.gather(*(run(r) for r in range(2, 62)))
    p = await state.jobs.get_progress("j1")
    assert p.counts["succeeded"] + p.counts["failed"] == 60
    assert p.counts["running"] == 0 and p.counts["pending"] == 0
    assert sum(p.counts.values()) == p.total == 60


async def test_close_open_rows_cancels_the_rest_and_keeps_finished_results(state: StateManager) -> None:
    await _job(state, "a", "b", "c", None)
    await state.rows.set_row_state("j1", 2, "running")
    await state.rows.set_row_state("j1", 2, "succeeded", result={"x": 1})
    await state.rows.set_row_state("j1", 3, "running")
    moved = await state.rows.close_open_rows("j1", "cancelled", "job cancelled by user")
    assert moved == 2
    assert await state.rows.close_open_rows("j1", "cancelled", "again") == 0
    p = await state.jobs.get_progress("j1")
    assert (p.counts["succeeded"], p.counts["cancelled"], p.counts["invalid"]) == (1, 2, 1)
    assert p.counts["running"] == p.counts["pending"] == 0
    kept = await state.rows.get_row("j1", 2)
    assert kept is not None and kept.result == {"x": 1}
    cancelled = await state.rows.get_row("j1", 3)
    assert cancelled is not None and cancelled.reason == "job cancelled by user"


async def test_job_status_transitions(state: StateManager) -> None:
    await _job(state, "a")
    job = await state.jobs.set_job_status("j1", "running", workflow_id="job-j1")
    assert job.status == "running" and job.started_at is not None and job.workflow_id == "job-j1"
    assert (await state.jobs.set_job_status("j1", "running")).status == "running"  # repeat is harmless
    await state.jobs.set_job_status("j1", "paused")
    await state.jobs.set_job_status("j1", "running")
    done = await state.jobs.set_job_status("j1", "completed")
    assert done.finished_at is not None
    with pytest.raises(InvalidTransition) as err:
        await state.jobs.set_job_status("j1", "running")
    assert err.value.current == "completed"
    with pytest.raises(JobNotFound):
        await state.jobs.set_job_status("nope", "running")


async def test_reviews_and_scores_are_stored_once(state: StateManager) -> None:
    await _job(state, "a")
    reviews = [
        Review(review_id="r1", text="great", rating=5.0, date="2026-01-01", source="demo"),
        Review(review_id="", text="terrible   product", rating=None, date=None, source="demo"),
    ]
    assert await state.reviews.store_reviews("j1", 2, reviews) == 2
    # Re-fetching the same page (retry) adds nothing; whitespace changes do not defeat the content hash.
    again = [
        *reviews[:1],
        Review(review_id="", text="terrible product", rating=None, date=None, source="demo"),
    ]
    assert await state.reviews.store_reviews("j1", 2, again) == 0
    assert await state.reviews.count_reviews("j1", 2) == 2
    todo = await state.reviews.unscored_reviews("j1", 2, "vader")
    assert {r.text for r in todo} == {"great", "terrible   product"}
    scores = [
        ReviewScore(review_id=r.review_id, scorer="vader", sentiment=0.5, label="positive", confidence=0.7)
        for r in todo
    ]
    assert await state.reviews.store_scores("j1", 2, scores) == 2
    assert await state.reviews.store_scores("j1", 2, scores) == 2  # upsert: harmless
    assert await state.reviews.unscored_reviews("j1", 2, "vader") == []
    assert len(await state.reviews.unscored_reviews("j1", 2, "gemini")) == 2
    loaded = await state.reviews.load_scores("j1", 2)
    assert len(loaded) == 2 and all(len(s) == 1 and s[0].scorer == "vader" for _, s in loaded)


async def test_results_paginate_by_key_and_duplicates_share_the_result(state: StateManager) -> None:
    await _job(state, "a", "b", "a", None)
    await state.rows.set_row_state("j1", 2, "succeeded", result={"score_5": 4.5})
    page1 = await state.rows.get_results("j1", limit=2)
    assert [r.row_num for r in page1] == [2, 3]
    page2 = await state.rows.get_results("j1", after_row=page1[-1].row_num, limit=2)
    assert [r.row_num for r in page2] == [4, 5]
    dup = page2[0]
    assert dup.status == "duplicate" and dup.result == {"score_5": 4.5}
    assert page2[1].status == "invalid" and page2[1].cells == ["", "name 3"]


async def test_list_jobs_newest_first_with_status_filter_and_keyset(state: StateManager) -> None:
    for i in range(5):
        await state.jobs.create_job(NewJob(job_id=f"job{i}"))
    await state.jobs.set_job_status("job1", "running")
    newest = await state.jobs.list_jobs(limit=2)
    assert [j.job_id for j in newest] == ["job4", "job3"]
    last = newest[-1]
    older = await state.jobs.list_jobs(limit=10, before=(last.created_at, last.job_id))
    assert [j.job_id for j in older] == ["job2", "job1", "job0"]
    assert [j.job_id for j in await state.jobs.list_jobs(status="running")] == ["job1"]


async def test_events_append_and_read_in_order(state: StateManager) -> None:
    await _job(state, "a")
    e1 = await state.events.append_event("j1", "job.created", {"rows": 1})
    e2 = await state.events.append_event("j1", "row.failed", {"reason": "not found"}, row_num=2)
    events = await state.events.list_events("j1")
    assert [e.event_id for e in events] == [e1, e2]
    assert events[1].row_num == 2 and events[1].details == {"reason": "not found"}
    assert [e.event_id for e in await state.events.list_events("j1", after_id=e1)] == [e2]


async def test_progress_of_unknown_job_raises(state: StateManager) -> None:
    with pytest.raises(JobNotFound):
        await state.jobs.get_progress("missing")
    assert await state.ping()
