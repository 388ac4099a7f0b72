"""The cmd/ scripts as a user runs them: real subprocesses on a temporary DATA_DIR and free ports."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from internal.platform.stack.proc import free_port, pid_alive

REPO = Path(__file__).resolve().parents[2]
TEMPORAL = Path(sys.executable).parent / "temporal"


def cmd_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "TEMPORAL_UI_PORT": "0", **extra}
    for name in ("DATABASE_URL", "TEMPORAL_HOST_PORT", "API_TOKEN", "SHOW_TRACEBACK"):
        if name not in extra:
            env.pop(name, None)
    return env


def run_cmd(
    script: str, data_dir: Path, *args: str, cwd: Path | None = None, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run cmd/<script> to completion (for the ones expected to refuse to start)."""
    return subprocess.run(
        [sys.executable, str(REPO / "cmd" / script), *args],
        cwd=cwd or data_dir,  # no stray .env from the repo
        env=cmd_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Cmd:
    """A long-running cmd/ script (up.py, run.py, worker.py) with its output collected line by line."""

    def __init__(self, script: str, data_dir: Path, *args: str, cwd: Path | None = None, **env: str) -> None:
        self.data_dir = data_dir
        self.script = script
        self.port = int(env.setdefault("TEMPORAL_EMBEDDED_PORT", str(free_port())))
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "cmd" / script), *args],
            cwd=cwd or data_dir,  # no stray .env from the repo
            env=cmd_env(data_dir, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = ""

    async def wait_for(self, text: str, timeout: float = 90) -> None:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while text not in self.output:
                line = await asyncio.to_thread(self.proc.stdout.readline)
                assert line, f"{self.script} exited early:\n{self.output}"
                self.output += line

    async def wait_ready(self, timeout: float = 90) -> dict[str, str]:
        await self.wait_for("Stack is up", timeout)
        return dict(re.findall(r"^(Temporal gRPC|Temporal UI|Postgres URI|API)\s*:\s*(\S+)", self.output, re.M))

    def terminate(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=timeout)
        self.output += out or ""
        return self.proc.returncode

    def terminate_wait(self, timeout: float) -> int:
        """Wait for it to exit on its own (a refused start); SIGKILL it if it does not."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate(timeout=30)
        self.output += out or ""
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=30)


def leftovers(data_dir: Path) -> list[str]:
    """Processes whose command line names data_dir (Temporal, Postgres and its backends, the reaper)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(f"{proc.pid} {cmdline[:120]}")
    return found


def postgres_processes(pgdata: Path) -> list[int]:
    """The postmaster on pgdata and its backends (they share the postmaster's pgdata in postmaster.pid)."""
    pids = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            pids.append(proc.pid)
    return pids


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """The pids still running after timeout seconds (empty when all have exited)."""
    deadline = time.monotonic() + timeout
    alive = pids
    while True:
        alive = [pid for pid in alive if pid_alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)
