"""Push ingestion under load: `make run` (cmd/run.py: embedded Temporal + PostgreSQL, worker and API as two
processes) on this machine, reviews POSTed to /api/v1/reviews at a fixed rate (open loop: a slow answer does not
slow the sender), then checked in PostgreSQL.

Phase 1, sustained: --rate reviews a minute for --minutes, in batches of --batch, over --products products, with
2 % repeats of earlier reviews (a provider retrying) and 1 % invalid ones (rating 6). Checked: received = stored +
duplicates + dead-lettered per receipt and in total against the tables, exactly the injected repeats and invalid
reviews, and the delay from each POST's answer to the publication of a product sentiment counting all of that
batch's reviews (pushed_reviews.published_at, set by the live sentiment activity) — p50/p95/max.
Phase 2, the ceiling: rising rates for --step-seconds each until p95 passes 10 s or the API falls behind; CPU of
each process (worker, API, PostgreSQL, Temporal) says what limits it. Temporal actions per pushed review are
counted from the live sentiment workflow's histories.

    .venv/bin/python bench/ingest_bench.py [--rate 10000] [--minutes 5] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.ingest_measure import Cpu, Phase, Sent, check, report, temporal_actions
from bench.report import write_section
from internal.platform.stack.proc import free_port

REPO = Path(__file__).resolve().parents[1]
SOURCE = "bench"
TEXTS = [
    ("Love it, works perfectly and arrived early.", 5),
    ("Decent value, does the job.", 4),
    ("It is okay, nothing special.", 3),
    ("Disappointed, it stopped working after a week.", 2),
    ("Terrible. Broke on day one, avoid.", 1),
]


def start_run(data_dir: Path, api_port: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "API_PORT": str(api_port),
        "TEMPORAL_EMBEDDED_PORT": str(free_port()),
        "TEMPORAL_UI_PORT": "0",
        "INGEST_SOURCES": SOURCE,
    }
    for name in ("DATABASE_URL", "TEMPORAL_HOST_PORT", "API_TOKEN"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "cmd" / "run.py")],
        cwd=data_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline, output = time.monotonic() + 180, ""
    while "Stack is up" not in output:
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"cmd/run.py did not come up:\n{output}")
        output += line
    found = dict(re.findall(r"^(Temporal gRPC|Postgres URI)\s*:\s*(\S+)", output, re.M))
    return proc, found


class Generator:
    def __init__(self, products: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.products = products
        self.n = 0
        self.recent: list[dict[str, Any]] = []

    def batch(self, size: int, phase: Phase) -> list[dict[str, Any]]:
        out = []
        for _ in range(size):
            roll = self.rng.random()
            if roll < 0.02 and self.recent:
                out.append(self.rng.choice(self.recent))
                phase.injected_repeats += 1
                continue
            self.n += 1
            text, stars = self.rng.choice(TEXTS)
            item = {
                "review_id": f"b{self.n}",
                "product_id": f"P{self.rng.randrange(self.products)}",
                "user_id": f"u{self.rng.randrange(100_000)}",
                "text": text,
                "rating": 6 if roll > 0.99 else stars,
                "timestamp": "2026-01-02T03:04:05Z",
            }
            if roll > 0.99:
                phase.injected_invalid += 1
            else:
                self.recent = ([*self.recent, item])[-1000:]
            out.append(item)
        phase.reviews += size
        return out


async def post(http: httpx.AsyncClient, body: list[dict[str, Any]], phase: Phase) -> None:
    started = time.perf_counter()
    try:
        got = await http.post(f"/api/v1/reviews?source={SOURCE}", json=body)
        got.raise_for_status()
    except httpx.HTTPError as err:
        phase.errors.append(f"{type(err).__name__}: {err}")
        return
    r = got.json()
    phase.sent.append(
        Sent(
            r["batch_id"],
            time.time(),
            time.perf_counter() - started,
            r["received"],
            r["accepted"],
            r["duplicates"],
            r["dead_lettered"],
        )
    )


async def run_phase(http: httpx.AsyncClient, gen: Generator, rate: int, seconds: float, batch: int) -> Phase:
    """Open loop: a batch every batch*60/rate seconds, each POST its own task."""
    phase = Phase(rate, seconds)
    interval = batch * 60.0 / rate
    tasks: list[asyncio.Task[None]] = []
    began = time.monotonic()
    k = 0
    while (due := began + k * interval) < began + seconds:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(post(http, gen.batch(batch, phase), phase)))
        k += 1
    await asyncio.gather(*tasks)
    phase.seconds = time.monotonic() - began
    return phase


async def wait_published(pool: asyncpg.Pool, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not await pool.fetchval("SELECT count(*) FROM live_products WHERE generation > published"):
            return
        await asyncio.sleep(0.5)


async def main_async(args: argparse.Namespace) -> str:
    data_dir = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    port = free_port()
    proc, found = start_run(data_dir, port)
    try:
        pool = await asyncpg.create_pool(found["Postgres URI"], min_size=1, max_size=2)
        assert pool is not None
        gen = Generator(args.products)
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as http:
            for _ in range(200):
                if (await http.get("/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            cpu = Cpu(proc.pid, data_dir)
            before = cpu.sample()
            phase = await run_phase(http, gen, args.rate, args.minutes * 60, args.batch)
            after = cpu.sample()
            await wait_published(pool)
            sustained = await check(pool, phase)
            print(json.dumps(sustained, default=str), flush=True)
            used = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
            cpu_text = ", ".join(f"{k} {v:.0f} s ({v / phase.seconds * 100:.0f} % of a core)" for k, v in used.items())
            ceiling = []
            for rate in args.ceiling:
                before = cpu.sample()
                step = await run_phase(http, gen, rate, args.step_seconds, args.batch)
                after = cpu.sample()
                await wait_published(pool)
                result = await check(pool, step)
                result["cpu"] = {k: round(after.get(k, 0.0) - before.get(k, 0.0), 1) for k in after}
                print(json.dumps(result, default=str), flush=True)
                ceiling.append(result)
                if (result["p95_s"] or 99) > 10 or result["achieved_per_min"] < 0.9 * rate:
                    break
            counts = await temporal_actions(found["Temporal gRPC"])
            accepted = int(await pool.fetchval("SELECT count(*) FROM pushed_reviews"))
            total = counts["runs"] + counts["signals"] + counts["activities"] + counts["timers"]
            actions = {**counts, "accepted": accepted, "per_review": total / max(accepted, 1)}
            text = report(sustained, ceiling, actions, cpu_text)
            if ceiling:
                text += "\n\nCPU seconds by process in each ceiling step: " + "; ".join(
                    f"{c['rate']:,}/min: " + ", ".join(f"{k} {v}" for k, v in c["cpu"].items()) for c in ceiling
                )
        await pool.close()
        return text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=10_000, help="reviews a minute, sustained")
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--products", type=int, default=500)
    ap.add_argument("--ceiling", type=int, nargs="*", default=[20_000, 40_000, 60_000, 80_000, 160_000])
    ap.add_argument("--step-seconds", type=float, default=60)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    text = asyncio.run(main_async(args))
    print(text)
    if args.write:
        write_section(args.write, "ingest", "Push ingestion (make bench-ingest)", text)


if __name__ == "__main__":
    main()
