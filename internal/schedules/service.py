"""ScheduleService: the scheduled-refresh use cases (create, list, show, pause, resume, trigger, delete).

A schedule's products go through the same intake as an upload and are stored once as template rows
(internal/schedules/store.py); its timing is a Temporal Schedule `schedule-<schedule_id>` whose every action starts
ScheduledRunWorkflow (internal/schedules/workflow.py), which makes the run's job and runs it. PostgreSQL says what
a schedule enriches and which jobs it made; Temporal says when it runs, whether it is paused and what runs next.
Its refusals are ScheduleConflict (here), InvalidSchedule (spec.py) and ScheduleNotFound (store.py); a Temporal that
cannot be reached is the job facade's EnrichmentUnavailable (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, BinaryIO, TypeVar

from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleDescription,
    ScheduleHandle,
)
from temporalio.service import RPCError, RPCStatusCode

from internal.domain.errors import ServiceError
from internal.intake import CsvIntakeError, IntakeLimits
from internal.jobs.facade import EnrichmentUnavailable
from internal.jobs.job_options import job_options
from internal.jobs.product_list import product_list_error, products_csv
from internal.jobs.upload import read_rows
from internal.platform.config import Settings
from internal.schedules.spec import InvalidSchedule, Timing, temporal_schedule, timing
from internal.schedules.store import NewSchedule, Schedule, ScheduleNotFound, ScheduleRun, ScheduleStatus, ScheduleStore
from internal.schedules.workflow import schedule_temporal_id

T = TypeVar("T")
# A schedule call that hangs (Temporal gone mid-request) answers 503 after this, not after the client's default.
_RPC_TIMEOUT = timedelta(seconds=10)
RECENT_RUNS = 10
# How long a trigger waits for its run to start and make its job, to answer with the job's id.
TRIGGER_WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.1


def new_schedule_id() -> str:
    return uuid.uuid4().hex[:16]


class ScheduleConflict(ServiceError):
    """The schedule is in a state where the request makes no sense (deleted, a run already in progress); `code`
    says which."""

    status, code = 409, "invalid_transition"


@dataclass(frozen=True)
class ScheduleCreated:
    schedule: Schedule
    invalid_rows: int
    invalid_sample: list[dict[str, Any]]
    next_runs: list[datetime]


@dataclass(frozen=True)
class Triggered:
    """What a trigger started: the run's workflow id and run id and the job it made, each None while not yet
    known (two runs can share a workflow id: migration 0010)."""

    state: str
    run_workflow_id: str | None
    job_id: str | None
    run_id: str | None = None


@dataclass(frozen=True)
class ScheduleView:
    """A schedule as GET shows it: the stored record, Temporal's view of it, and its latest runs."""

    schedule: Schedule
    # active | paused (Temporal's word), deleted, or missing (the record is there, its Temporal Schedule is not)
    state: str
    temporal_id: str
    next_runs: list[datetime] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    actions_taken: int = 0
    skipped_overlap: int = 0
    runs: list[ScheduleRun] = field(default_factory=list)


@dataclass
class ScheduleService:
    settings: Settings
    schedules: ScheduleStore
    temporal: Client
    intake_limits: IntakeLimits
    require_space: Callable[[], None] = lambda: None

    async def create_from_csv(
        self,
        stream: BinaryIO,
        *,
        every: str | None,
        cron: str | None,
        options: Mapping[str, Any] | None = None,
        name: str | None = None,
        filename: str | None = None,
    ) -> ScheduleCreated:
        """Check the timing and options, store the products (CsvIntakeError as for an upload: nothing is kept),
        then create the Temporal Schedule (a refusal or an unreachable Temporal removes the record again)."""
        when = timing(every, cron)
        resolved = job_options(self.settings, options)
        self.require_space()
        schedule_id = new_schedule_id()
        store = self.schedules
        await store.create_schedule(
            NewSchedule(
                schedule_id=schedule_id,
                options=resolved,
                every_seconds=when.every_seconds,
                cron=when.cron,
                name=name,
                filename=filename,
            )
        )
        try:
            _, samples = await read_rows(
                stream,
                filename=filename,
                limits=self.intake_limits,
                batch_size=5000,
                layout=lambda s: store.set_layout(
                    schedule_id, header=s.header, id_column=s.id_column, delimiter=s.delimiter
                ),
                store=lambda rows, size: store.ingest_rows(schedule_id, rows, batch_size=size),
            )
            _, invalid = await store.complete_intake(schedule_id)
            handle = await self._create_temporal(schedule_id, when, name)
        except Exception:
            await store.remove_schedule(schedule_id)
            raise
        try:
            next_runs = list((await handle.describe(rpc_timeout=_RPC_TIMEOUT)).info.next_action_times[:5])
        except RPCError:
            next_runs = []  # created all the same; GET shows them once Temporal answers
        return ScheduleCreated(await store.get_schedule(schedule_id), invalid, samples.invalid, next_runs)

    async def create_from_products(
        self,
        products: Sequence[Mapping[str, object]],
        *,
        every: str | None,
        cron: str | None,
        options: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> ScheduleCreated:
        """As create_from_csv, for a product list (what the intake refuses names the product field)."""
        data, columns = products_csv(products)
        try:
            return await self.create_from_csv(io.BytesIO(data), every=every, cron=cron, options=options, name=name)
        except CsvIntakeError as err:
            raise product_list_error(err, columns) from None

    async def list(self, *, limit: int = 100) -> list[Schedule]:
        return await self.schedules.list_schedules(limit=limit)

    async def get(self, schedule_id: str) -> ScheduleView:
        schedule = await self.schedules.get_schedule(schedule_id)
        runs = await self.schedules.recent_runs(schedule_id, limit=RECENT_RUNS)
        temporal_id = schedule_temporal_id(schedule_id)
        if schedule.status == "deleted":
            return ScheduleView(schedule, "deleted", temporal_id, runs=runs)
        try:
            described = await self._call(self._handle(schedule_id).describe(rpc_timeout=_RPC_TIMEOUT), schedule_id)
        except ScheduleNotFound:
            return ScheduleView(schedule, "missing", temporal_id, runs=runs)
        return _view(schedule, described, runs)

    async def pause(self, schedule_id: str) -> str:
        await self._live(schedule_id, "pause")
        note = "paused through the review enrichment API"
        await self._call(self._handle(schedule_id).pause(note=note, rpc_timeout=_RPC_TIMEOUT), schedule_id)
        return await self._record(schedule_id, "paused")

    async def resume(self, schedule_id: str) -> str:
        await self._live(schedule_id, "resume")
        note = "resumed through the review enrichment API"
        await self._call(self._handle(schedule_id).unpause(note=note, rpc_timeout=_RPC_TIMEOUT), schedule_id)
        return await self._record(schedule_id, "active")

    async def trigger(self, schedule_id: str) -> Triggered:
        """Start a run now (also while paused). A run still going is a 409: the overlap policy would skip it."""
        schedule = await self._live(schedule_id, "trigger")
        handle = self._handle(schedule_id)
        described = await self._call(handle.describe(rpc_timeout=_RPC_TIMEOUT), schedule_id)
        running = _running(described)
        if running:
            raise ScheduleConflict(
                f"schedule {schedule_id!r} has a run in progress ({running[0]}); runs of a schedule never overlap, "
                "trigger it again once that one has finished",
                code="run_in_progress",
            )
        # A run is its workflow id and run id: a trigger in the same second as the last action reuses the id.
        before = set(_started(described))
        await self._call(handle.trigger(rpc_timeout=_RPC_TIMEOUT), schedule_id)
        state = "paused" if schedule.status == "paused" else "active"
        # Temporal's trigger answers before its scheduler has started the run, and the run makes its job in an
        # activity: wait a little for both, so the answer can name the job (a run with no worker has none yet).
        deadline = asyncio.get_running_loop().time() + TRIGGER_WAIT_SECONDS
        run: tuple[str, str] | None = None
        while run is None:
            described = await self._call(handle.describe(rpc_timeout=_RPC_TIMEOUT), schedule_id)
            run = next((r for r in _started(described) if r not in before), None)
            if run is None and not await _pause_until(deadline):
                return Triggered(state, None, None)
        job_id = await self.schedules.job_of_run(*run)
        while job_id is None and await _pause_until(deadline):
            job_id = await self.schedules.job_of_run(*run)
        return Triggered(state, run[0], job_id, run[1])

    async def delete(self, schedule_id: str) -> str:
        """Delete the Temporal Schedule and mark the record deleted; the jobs it made stay (a run in progress
        finishes its job)."""
        await self._live(schedule_id, "delete")
        # Gone from Temporal already (deleted there by hand, or never created): the record follows.
        with contextlib.suppress(ScheduleNotFound):
            await self._call(self._handle(schedule_id).delete(rpc_timeout=_RPC_TIMEOUT), schedule_id)
        return await self._record(schedule_id, "deleted")

    # ---- helpers -------------------------------------------------------------------------------------------------

    def _handle(self, schedule_id: str) -> ScheduleHandle:
        return self.temporal.get_schedule_handle(schedule_temporal_id(schedule_id))

    async def _live(self, schedule_id: str, action: str) -> Schedule:
        schedule = await self.schedules.get_schedule(schedule_id)
        if schedule.status == "deleted":
            raise ScheduleConflict(f"schedule {schedule_id!r} is deleted; it cannot {action}", code="schedule_deleted")
        return schedule

    async def _record(self, schedule_id: str, status: ScheduleStatus) -> str:
        return (await self.schedules.set_status(schedule_id, status)).status

    async def _create_temporal(self, schedule_id: str, when: Timing, name: str | None) -> ScheduleHandle:
        label = f"{name!r} ({schedule_id})" if name else schedule_id
        schedule = temporal_schedule(schedule_id, when, task_queue=self.settings.temporal_task_queue, label=label)
        try:
            return await self.temporal.create_schedule(
                schedule_temporal_id(schedule_id), schedule, rpc_timeout=_RPC_TIMEOUT
            )
        except ScheduleAlreadyRunningError:
            raise ScheduleConflict(f"schedule {schedule_id!r} exists already in Temporal", code="exists") from None
        except RPCError as err:
            if err.status == RPCStatusCode.INVALID_ARGUMENT:
                field = "cron" if when.cron is not None else "every"
                raise InvalidSchedule(field, f"Temporal refused it: {err.message}") from None
            raise _unavailable(err, schedule_id) from err

    async def _call(self, call: Awaitable[T], schedule_id: str) -> T:
        try:
            return await call
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ScheduleNotFound(schedule_id) from None
            raise _unavailable(err, schedule_id) from err


def _unavailable(err: RPCError, schedule_id: str) -> EnrichmentUnavailable:
    return EnrichmentUnavailable(f"Temporal could not be asked about schedule {schedule_id!r}: {err.message}")


def _view(schedule: Schedule, described: ScheduleDescription, runs: list[ScheduleRun]) -> ScheduleView:
    info = described.info
    return ScheduleView(
        schedule,
        "paused" if described.schedule.state.paused else "active",
        described.id,
        next_runs=list(info.next_action_times[:5]),
        running=_running(described),
        actions_taken=info.num_actions,
        skipped_overlap=info.num_actions_skipped_overlap,
        runs=runs,
    )


def _started(described: ScheduleDescription) -> list[tuple[str, str]]:
    """(workflow id, run id) of the schedule's runs, going or recently started."""
    actions = [r.action for r in described.info.recent_actions] + list(described.info.running_actions)
    return [
        (a.workflow_id, a.first_execution_run_id)
        for a in actions
        if isinstance(a, ScheduleActionExecutionStartWorkflow)
    ]


async def _pause_until(deadline: float) -> bool:
    """Sleep a poll's interval; False (at once) when the deadline has passed."""
    left = deadline - asyncio.get_running_loop().time()
    if left <= 0:
        return False
    await asyncio.sleep(min(_POLL_SECONDS, left))
    return True


def _running(described: ScheduleDescription) -> list[str]:
    """Workflow ids of the schedule's runs still going."""
    return [
        r.workflow_id for r in described.info.running_actions if isinstance(r, ScheduleActionExecutionStartWorkflow)
    ]
