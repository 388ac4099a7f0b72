"""Services of `make run` that run as child processes of the stack (the worker, the API).

Separate processes rather than tasks on the stack's loop: the worker's workflow tasks and activities are CPU work
on the loop they share, and with the API on that loop `/progress` p99 went from ~130 ms to ~1 s while 5 jobs ran
(docs/performance.md). Each child gets the stack's addresses in its environment (DATABASE_URL,
TEMPORAL_HOST_PORT), so it attaches to the stack's servers instead of starting or adopting its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from internal.platform.stack.proc import die_with_parent
from internal.platform.stack.runner import Stack

log = logging.getLogger(__name__)

CMD = Path(__file__).resolve().parents[3] / "cmd"
STOP_TIMEOUT_S = 30.0


class ChildExited(Exception):
    """A child service stopped on its own while the stack was up."""

    def __init__(self, name: str, returncode: int) -> None:
        super().__init__(f"{name} exited with status {returncode}")
        self.name = name
        self.returncode = returncode


def child_env(stack: Stack) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": str(stack.data_dir),
        "DATABASE_URL": stack.database_url,
        "TEMPORAL_HOST_PORT": stack.temporal_address,
    }
    # The children see a Temporal of someone else's (TEMPORAL_HOST_PORT): tell the API's web page where its UI is.
    if stack.temporal_ui_url and not env.get("TEMPORAL_UI_URL"):
        env["TEMPORAL_UI_URL"] = stack.temporal_ui_url
    return env


@dataclass(frozen=True)
class ChildService:
    """A cmd/ script run for the life of the stack; SIGTERM (then SIGKILL after STOP_TIMEOUT_S) when it stops."""

    name: str
    script: str

    async def __call__(self, stack: Stack, stop: asyncio.Event) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CMD / self.script),
            env=child_env(stack),
            stdin=asyncio.subprocess.DEVNULL,
            # The kernel SIGKILLs the child if the stack dies without stopping it, even by SIGKILL (Linux). Not
            # SIGTERM: the stack's Temporal and Postgres go down with it, so a graceful stop has nothing left to
            # finish, and the worker's can wait up to its graceful_shutdown_timeout (20 s) on a server that is
            # gone; in one CI run a SIGTERMed worker or API was still running 15 s after the stack was SIGKILLed.
            # A SIGKILLed worker or API loses nothing (docs/reliability.md: the fault suite kills both).
            preexec_fn=functools.partial(die_with_parent, signal.SIGKILL),
        )
        log.info("%s started (pid %s)", self.name, proc.pid)
        exited = asyncio.create_task(proc.wait())
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
            if exited.done() and not stop.is_set():
                raise ChildExited(self.name, proc.returncode or 0)
            if proc.returncode is None:
                # A terminal's Ctrl-C already reached it (same process group); SIGTERM covers `kill` of the stack.
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(asyncio.shield(exited), STOP_TIMEOUT_S)
                except TimeoutError:
                    log.warning("%s ignored SIGTERM for %.0fs; killing it", self.name, STOP_TIMEOUT_S)
                    proc.kill()
                    await exited
        finally:
            stopping.cancel()
            if proc.returncode is None:  # cancelled: never leave it behind
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await exited


WORKER = ChildService("worker", "worker.py")
API = ChildService("API", "server.py")
