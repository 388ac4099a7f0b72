"""/progress latency while the worker is busy: `make run` (cmd/run.py) as a user starts it, 5 jobs at once.

Starts cmd/run.py on a fresh DATA_DIR and free ports, submits --jobs jobs of --rows demo products each, and polls
every job's /progress in turn for as long as any of them runs; prints p50/p99/max of those requests.

    .venv/bin/python bench/progress_latency.py [--jobs 5] [--rows 200] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import write_section
from internal.platform.stack.proc import free_port

REPO = Path(__file__).resolve().parents[1]
PROFILES = ("pos-", "neg-", "mixed-")
ROUND_S = 0.25  # every running job's /progress once per round


def start_run(data_dir: Path, api_port: int, script: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "API_PORT": str(api_port),
        "TEMPORAL_EMBEDDED_PORT": str(free_port()),
        "TEMPORAL_UI_PORT": "0",
    }
    for name in ("DATABASE_URL", "TEMPORAL_HOST_PORT", "API_TOKEN"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=data_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    output = ""
    while "Stack is up" not in output:
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"cmd/run.py did not come up:\n{output}")
        output += line
    return proc


def measure(api: str, jobs: int, rows: int, limit_s: float) -> dict[str, Any]:
    with httpx.Client(base_url=api, timeout=30) as http:
        for _ in range(100):  # "Stack is up" may come before the API answers
            try:
                if http.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        ids = []
        for j in range(jobs):
            products = [f"{PROFILES[i % len(PROFILES)]}bench-{j}-{i}" for i in range(rows)]
            created = http.post("/api/v1/jobs", json={"products": products})
            created.raise_for_status()
            ids.append(created.json()["job_id"])
        latencies: list[float] = []
        running = set(ids)
        done: dict[str, int] = {}
        started = time.monotonic()
        while running and time.monotonic() - started < limit_s:
            round_started = time.monotonic()
            for job_id in list(running):
                t0 = time.perf_counter()
                body = http.get(f"/api/v1/jobs/{job_id}/progress").raise_for_status().json()
                latencies.append(time.perf_counter() - t0)
                done[job_id] = body["done"]
                if body["status"] in ("completed", "failed", "cancelled"):
                    running.discard(job_id)
            # A fixed pace, so that a faster API does not mean more polling load on the machine than a slow one.
            time.sleep(max(0.0, ROUND_S - (time.monotonic() - round_started)))
        elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "jobs": jobs,
        "rows": rows,
        "requests": len(latencies),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
        "elapsed_s": elapsed,
        "finished": not running,
        "rows_done": sum(done.values()),
    }


def report(r: dict[str, Any]) -> str:
    return (
        f"`make run` (cmd/run.py: the API and the worker as separate processes), {r['jobs']} jobs of "
        f"{r['rows']} demo products running at once, each job's `/progress` polled in turn every {ROUND_S} s: "
        f"**p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms** (max {r['max_ms']:.0f} ms) over "
        f"{r['requests']} requests in {r['elapsed_s']:.0f} s (`bench/progress_latency.py`)."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--limit", type=float, default=300, help="stop polling after this many seconds")
    parser.add_argument("--write", type=Path, help="write the figures into this markdown file")
    parser.add_argument(
        "--script", type=Path, default=REPO / "cmd" / "run.py", help="another run.py to compare (e.g. an old one)"
    )
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="progress-bench-"))
    api_port = free_port()
    proc = start_run(data_dir, api_port, args.script)
    try:
        result = measure(f"http://127.0.0.1:{api_port}", args.jobs, args.rows, args.limit)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(result)
    if args.write:
        write_section(args.write, "progress", "Progress under load", report(result))
    return 0 if result["finished"] else 1


if __name__ == "__main__":
    sys.exit(main())
