"""A schedule run's job, made by the activity directly over the real PostgreSQL: idempotent per run, a copy of the
template with duplicates marked as an upload's would be, linked to the run before, and none once deleted."""

from __future__ import annotations

import io

from internal.app.state import StateManager
from internal.jobs.upload import read_rows
from internal.schedules.activities import ScheduleActivities
from internal.schedules.contracts import ScheduledJobInput
from internal.schedules.store import NewSchedule


async def _schedule(state: StateManager, schedule_id: str, csv: bytes) -> None:
    store = state.schedules
    await store.create_schedule(NewSchedule(schedule_id=schedule_id, options={"window": 7}, every_seconds=60))
    await read_rows(
        io.BytesIO(csv),
        filename="p.csv",
        limits=None,
        batch_size=2,  # several batches, as a large template would be
        layout=lambda s: store.set_layout(schedule_id, header=s.header, id_column=s.id_column, delimiter=s.delimiter),
        store=lambda rows, size: store.ingest_rows(schedule_id, rows, batch_size=size),
    )
    assert await store.complete_intake(schedule_id) == (4, 1)


async def test_a_run_makes_one_job_however_often_it_is_retried(state: StateManager) -> None:
    await _schedule(state, "s-runs", b"product_id,name\nA,One\nB,Two\nA,Again\n,None\n")
    activity = ScheduleActivities(state.schedules, state.jobs, state.rows, state.events)
    first = await activity.create_scheduled_job(ScheduledJobInput("s-runs", "run-1"))
    again = await activity.create_scheduled_job(ScheduledJobInput("s-runs", "run-1"))  # a retried activity
    assert first.job_id is not None and again.job_id == first.job_id and first.previous_job_id is None
    assert first.options == {"window": 7, "refresh": True} and first.total_rows == 4
    progress = await state.jobs.get_progress(first.job_id)
    assert (progress.counts["pending"], progress.counts["duplicate"], progress.counts["invalid"]) == (2, 1, 1)
    rows = await state.rows.get_results(first.job_id)
    assert [(r.row_num, r.product_id, r.status) for r in rows] == [
        (2, "A", "pending"),
        (3, "B", "pending"),
        (4, "A", "duplicate"),
        (5, None, "invalid"),
    ]
    assert rows[1].cells == ["B", "Two"] and rows[3].reason
    events = [e.kind for e in await state.events.list_events(first.job_id, after_id=0, limit=50)]
    assert events.count("job.scheduled") == 1

    second = await activity.create_scheduled_job(ScheduledJobInput("s-runs", "run-2"))
    assert second.job_id not in (None, first.job_id) and second.previous_job_id == first.job_id
    assert await state.schedules.run_of_job(second.job_id or "") == ("s-runs", first.job_id)
    runs = await state.schedules.recent_runs("s-runs")
    assert [r.job_id for r in runs] == [second.job_id, first.job_id]

    await state.schedules.set_status("s-runs", "deleted")
    assert (await activity.create_scheduled_job(ScheduledJobInput("s-runs", "run-3"))).job_id is None
    # A run that made its job before the delete still finds it.
    assert (await activity.create_scheduled_job(ScheduledJobInput("s-runs", "run-2"))).job_id == second.job_id
    assert (await state.schedules.set_status("s-runs", "active")).status == "deleted"  # deleted stays deleted
    assert (await activity.create_scheduled_job(ScheduledJobInput("no-such", "run-1"))).job_id is None
