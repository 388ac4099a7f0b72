"""What bench/ingest_bench.py measures: the checks of a phase in PostgreSQL, CPU per process of the stack, Temporal
actions of the live sentiment workflow, and the Markdown written to docs/performance.md."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from temporalio.client import Client

from internal.ingest.contracts import live_workflow_id

QUEUE = "review-enrichment"


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
