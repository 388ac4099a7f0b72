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
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from temporalio.client import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import write_section
from internal.ingest.contracts import live_workflow_id
from internal.platform.stack.proc import free_port

REPO = Path(__file__).resolve().parents[1]
SOURCE = "bench"
QUEUE = "review-enrichment"
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


@dataclass
class Sent:
    batch_id: str
    answered: float  # wall clock (same machine as PostgreSQL's now())
    post_seconds: float
    received: int
    accepted: int
    duplicates: int
    dead_lettered: int


@dataclass
class Phase:
    rate: int
    seconds: float
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    injected_repeats: int = 0
    injected_invalid: int = 0
    reviews: int = 0


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


async def check(pool: asyncpg.Pool, phase: Phase) -> dict[str, Any]:
    ids = [s.batch_id for s in phase.sent]
    receipts = await pool.fetch(
        "SELECT batch_id, received, accepted, duplicates, dead_lettered FROM ingest_batches WHERE batch_id = ANY($1)",
        ids,
    )
    per_batch = "SELECT batch_id, count(*) AS n FROM {} WHERE batch_id = ANY($1) GROUP BY batch_id"
    stored: dict[str, int] = {r["batch_id"]: r["n"] for r in await pool.fetch(per_batch.format("pushed_reviews"), ids)}
    dead: dict[str, int] = {r["batch_id"]: r["n"] for r in await pool.fetch(per_batch.format("dead_letters"), ids)}
    mismatched = [
        r["batch_id"]
        for r in receipts
        if r["received"] != r["accepted"] + r["duplicates"] + r["dead_lettered"]
        or stored.get(r["batch_id"], 0) != r["accepted"]
        or dead.get(r["batch_id"], 0) != r["dead_lettered"]
    ]
    published = {
        r["batch_id"]: (r["n"], r["done"], r["at"])
        for r in await pool.fetch(
            "SELECT batch_id, count(*) AS n, count(published_at) AS done, max(published_at) AS at "
            "FROM pushed_reviews WHERE batch_id = ANY($1) GROUP BY batch_id",
            ids,
        )
    }
    delays = []
    unpublished = 0
    for s in phase.sent:
        n, done, at = published.get(s.batch_id, (0, 0, None))
        if n and done < n:
            unpublished += n - done
        elif n and at is not None:
            delays.append(max(0.0, at.timestamp() - s.answered))
    delays.sort()
    posts = sorted(s.post_seconds for s in phase.sent)
    return {
        "rate": phase.rate,
        "seconds": phase.seconds,
        "reviews": phase.reviews,
        "batches": len(phase.sent),
        "errors": len(phase.errors),
        "received": sum(s.received for s in phase.sent),
        "accepted": sum(s.accepted for s in phase.sent),
        "duplicates": sum(s.duplicates for s in phase.sent),
        "dead_lettered": sum(s.dead_lettered for s in phase.sent),
        "stored_in_pg": sum(stored.values()),
        "dead_in_pg": sum(dead.values()),
        "receipts_in_pg": len(receipts),
        "mismatched_receipts": len(mismatched),
        "injected_repeats": phase.injected_repeats,
        "injected_invalid": phase.injected_invalid,
        "achieved_per_min": sum(s.received for s in phase.sent) * 60 / phase.seconds,
        "unpublished": unpublished,
        "p50_s": statistics.median(delays) if delays else None,
        "p95_s": delays[int(len(delays) * 0.95)] if delays else None,
        "max_s": delays[-1] if delays else None,
        "post_p95_s": posts[int(len(posts) * 0.95)] if posts else None,
    }


class Cpu:
    """CPU seconds of each process of the stack, by role, between two samples."""

    def __init__(self, root: int, data_dir: Path) -> None:
        self.root = psutil.Process(root)
        self.data_dir = str(data_dir)

    def sample(self) -> dict[str, float]:
        roles: dict[str, float] = {}
        for p in [self.root, *self.root.children(recursive=True), *_postgres(self.data_dir)]:
            try:
                cmd = " ".join(p.cmdline())
                t = p.cpu_times()
            except psutil.Error:
                continue
            role = (
                "worker"
                if "worker.py" in cmd
                else "api"
                if "server.py" in cmd
                else "temporal"
                if "temporal" in cmd
                else "postgres"
                if "postgres" in cmd
                else "stack"
            )
            roles[role] = roles.get(role, 0.0) + t.user + t.system
            if role == "postgres" and "-D" in cmd:
                # The postmaster: backends that have exited count in its reaped children's times (a live one
                # counted in one sample and reaped by the next is still counted once in the difference).
                roles[role] += t.children_user + t.children_system
        return roles


def _postgres(data_dir: str) -> list[psutil.Process]:
    """This stack's PostgreSQL server (pg_ctl daemonizes it: not our child) and its backends."""
    for p in psutil.process_iter(["name", "cmdline"]):
        if (p.info["name"] or "").startswith("postgres") and data_dir in " ".join(p.info["cmdline"] or []):
            try:
                return [p, *p.children(recursive=True)]
            except psutil.Error:
                return [p]
    return []


async def temporal_actions(address: str) -> dict[str, int]:
    client = await Client.connect(address)
    counts = {"runs": 0, "signals": 0, "activities": 0, "timers": 0}
    async for wf in client.list_workflows(f"WorkflowId = '{live_workflow_id(QUEUE)}'"):
        counts["runs"] += 1
        async for event in client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history_events():
            kind = event.WhichOneof("attributes") or ""
            if kind == "workflow_execution_signaled_event_attributes":
                counts["signals"] += 1
            elif kind == "activity_task_scheduled_event_attributes":
                counts["activities"] += 1
            elif kind == "timer_started_event_attributes":
                counts["timers"] += 1
    return counts


def report(sustained: dict[str, Any], ceiling: list[dict[str, Any]], actions: dict[str, Any], cpu: str) -> str:
    s = sustained
    ok = s["mismatched_receipts"] == 0 and s["received"] == s["reviews"] and s["stored_in_pg"] == s["accepted"]
    lines = [
        f"`make bench-ingest` on this machine ({psutil.cpu_count()} cores, shared), `make run`'s processes, "
        f"batches of {s['reviews'] // max(s['batches'], 1)} reviews, open loop.",
        "",
        "| phase | offered /min | achieved /min | reviews | stored | duplicates | dead-lettered | POST p95 | "
        "answer → sentiment p50 / p95 / max |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in [("sustained", s), *[(f"ceiling step {i + 1}", c) for i, c in enumerate(ceiling)]]:
        lines.append(
            f"| {name} ({r['seconds']:.0f} s) | {r['rate']:,} | {r['achieved_per_min']:,.0f} | {r['received']:,} | "
            f"{r['accepted']:,} | {r['duplicates']:,} | {r['dead_lettered']:,} | {r['post_p95_s']:.2f} s | "
            f"{_s(r['p50_s'])} / {_s(r['p95_s'])} / {_s(r['max_s'])} |"
        )
    lines += [
        "",
        f"Reconciled in PostgreSQL (sustained phase): {s['receipts_in_pg']:,} receipts, {s['mismatched_receipts']} "
        f"whose received ≠ stored + duplicates + dead-lettered or whose counts differ from the rows in "
        f"`pushed_reviews` / `dead_letters`; {s['stored_in_pg']:,} reviews stored, {s['dead_in_pg']:,} dead "
        f"letters; injected {s['injected_repeats']:,} repeats and {s['injected_invalid']:,} invalid reviews "
        f"(duplicates {s['duplicates']:,}, dead-lettered {s['dead_lettered']:,}); {s['errors']} failed POSTs; "
        f"{s['unpublished']} reviews never published. {'OK' if ok else 'MISMATCH'}.",
        "",
        f"Temporal actions (live sentiment workflow over the whole run): {actions['runs']} runs, "
        f"{actions['signals']} signals, {actions['activities']} activities, {actions['timers']} timers for "
        f"{actions['accepted']:,} stored reviews: {actions['per_review']:.4f} actions per pushed review.",
        "",
        f"CPU seconds by process over the sustained phase: {cpu}.",
    ]
    return "\n".join(lines)


def _s(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f} s"


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
