"""`make up` as a user runs it: cmd/up.py in a subprocess, addresses printed, clean SIGTERM, data kept."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from internal.stack.proc import free_port
from internal.state.manager import StateManager
from internal.state.models import NewJob

REPO = Path(__file__).resolve().parents[2]
TEMPORAL = Path(sys.executable).parent / "temporal"


class Up:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "TEMPORAL_EMBEDDED_PORT": str(self.port),
            "TEMPORAL_UI_PORT": str(free_port()),
        }
        for name in ("DATABASE_URL", "TEMPORAL_HOST_PORT"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "cmd" / "up.py")],
            cwd=data_dir,  # no stray .env from the repo
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = ""

    async def wait_ready(self, timeout: float = 60) -> dict[str, str]:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while "Stack is up" not in self.output:
                line = await asyncio.to_thread(self.proc.stdout.readline)
                assert line, f"up exited early:\n{self.output}"
                self.output += line
        return dict(re.findall(r"^(Temporal gRPC|Temporal UI|Postgres URI)\s*:\s*(\S+)", self.output, re.M))

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        self.output += out
        return self.proc.returncode


def _leftovers(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(f"{proc.pid} {cmdline[:120]}")
    return found


async def test_up_prints_live_addresses_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    up = Up(tmp_path)
    addresses = await up.wait_ready()
    assert addresses["Temporal gRPC"] == f"127.0.0.1:{up.port}"
    assert addresses["Temporal UI"].startswith("http://127.0.0.1:")
    listing = await asyncio.to_thread(
        subprocess.run,
        [str(TEMPORAL), "workflow", "list", "--address", addresses["Temporal gRPC"]],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert listing.returncode == 0, listing.stderr
    state = await StateManager.connect(addresses["Postgres URI"])
    await state.create_job(NewJob(job_id="kept-across-restarts"))
    await state.close()

    assert up.terminate() == 0
    assert "Stopped." in up.output
    await asyncio.sleep(0.5)
    assert _leftovers(tmp_path) == []

    again = Up(tmp_path)
    addresses = await again.wait_ready()
    state = await StateManager.connect(addresses["Postgres URI"])
    job = await state.get_job("kept-across-restarts")
    await state.close()
    assert job.status == "created"
    assert "Migrations" not in again.output  # nothing left to apply on the second start
    assert again.terminate() == 0
    await asyncio.sleep(0.5)
    assert _leftovers(tmp_path) == []


async def test_two_stacks_run_side_by_side(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    a, b = Up(tmp_path / "a"), Up(tmp_path / "b")
    try:
        addr_a, addr_b = await asyncio.gather(a.wait_ready(), b.wait_ready())
        assert addr_a["Temporal gRPC"] != addr_b["Temporal gRPC"]
        assert addr_a["Postgres URI"] != addr_b["Postgres URI"]
    finally:
        assert a.terminate() == 0 and b.terminate() == 0
