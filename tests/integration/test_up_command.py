"""`make up` as a user runs it: cmd/up.py in a subprocess, addresses printed, clean SIGTERM, data kept."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path

from internal.app.state import StateManager
from internal.ledger.records import NewJob
from internal.platform.stack.proc import free_port
from tests.integration.cmd_harness import TEMPORAL, Cmd, leftovers


def Up(data_dir: Path) -> Cmd:
    return Cmd("up.py", data_dir, TEMPORAL_UI_PORT=str(free_port()))


async def test_up_prints_live_addresses_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    up = Up(tmp_path)
    addresses = await up.wait_ready()
    assert addresses["Temporal gRPC"] == f"127.0.0.1:{up.port}"
    assert addresses["Temporal UI"].startswith("http://127.0.0.1:")
    # The line to paste for the `temporal` CLI, which asks 127.0.0.1:7233 unless TEMPORAL_ADDRESS says otherwise.
    export = re.search(r"^export TEMPORAL_ADDRESS=(\S+)   # for \.venv/bin/temporal", up.output, re.M)
    assert export and export.group(1) == addresses["Temporal gRPC"], up.output
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
    listing = await asyncio.to_thread(
        subprocess.run,
        [str(TEMPORAL), "workflow", "list"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**env, "TEMPORAL_ADDRESS": export.group(1)},
    )
    assert listing.returncode == 0, listing.stderr
    state = await StateManager.connect(addresses["Postgres URI"])
    await state.jobs.create_job(NewJob(job_id="kept-across-restarts"))
    await state.close()

    assert up.terminate() == 0
    assert "Stopped." in up.output
    await asyncio.sleep(0.5)
    assert leftovers(tmp_path) == []

    again = Up(tmp_path)
    addresses = await again.wait_ready()
    state = await StateManager.connect(addresses["Postgres URI"])
    job = await state.jobs.get_job("kept-across-restarts")
    await state.close()
    assert job.status == "created"
    assert "Migrations" not in again.output  # nothing left to apply on the second start
    assert again.terminate() == 0
    await asyncio.sleep(0.5)
    assert leftovers(tmp_path) == []


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
