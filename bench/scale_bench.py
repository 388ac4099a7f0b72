"""Scale benchmark: the production shape (worker and API as their own processes, `make worker` / `make server`).

- 1 vs 2 worker processes on one task queue, the same `--scale-rows` job each (default 2,000);
- one long job (`--rows`, default 10,000) uploaded through the API: rows/s per 30 s window over the whole run as a
  plot with the parent's continue-as-new boundaries marked, peak RSS of worker and API, events per parent run,
  `/api/v1/jobs/{id}/progress` latency p50/p99 while it runs.

    python bench/scale_bench.py --rows 10000 --write docs/performance.md --plot docs/img/throughput-10k.png
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import psutil  # noqa: E402
from temporalio.client import Client  # noqa: E402

from bench.cpu import cpu_seconds, postgres_since, postgres_snapshot  # noqa: E402
from bench.histories import history_cost, median, percentile  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.stack import scratch_stack  # noqa: E402
from internal.app.state import StateManager  # noqa: E402
from internal.jobs.enricher import TemporalEnricher  # noqa: E402
from internal.jobs.upload import create_job_from_csv  # noqa: E402
from internal.jobs.workflow import job_workflow_id  # noqa: E402
from internal.platform.stack.proc import free_port, wait_for_port  # noqa: E402

SECTION = "bench-scale"
WINDOW_S = 30.0
WINDOW = 100


def _csv(rows: int) -> bytes:
    return ("product_id\n" + "".join(f"scale-{i:06d}\n" for i in range(rows))).encode()


@contextmanager
def processes(script: str, env: dict[str, str], count: int, logdir: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs = []
    try:
        for i in range(count):
            log = (logdir / f"{Path(script).stem}-{i}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(REPO / "cmd" / script)], env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
        yield procs
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


class RssPeak:
    """Peak resident memory of some processes, sampled every second while a job runs."""

    def __init__(self, procs: list[subprocess.Popen[bytes]]) -> None:
        self._procs = [psutil.Process(p.pid) for p in procs]
        self.peak_mb = 0.0

    async def sample(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            rss = sum(p.memory_info().rss for p in self._procs if p.is_running())
            self.peak_mb = max(self.peak_mb, rss / 2**20)
            await asyncio.sleep(1)


async def _job_with_workers(
    state: StateManager, client: Client, server_pid: int, env: dict[str, str], workers: int, rows: int, logdir: Path
) -> dict[str, float]:
    """Wall time of one job on `workers` worker processes, and CPU seconds per product of each party."""
    queue = f"scale-{workers}-{uuid.uuid4().hex[:4]}"
    job_id = uuid.uuid4().hex[:12]
    await create_job_from_csv(state, io.BytesIO(_csv(rows)), job_id=job_id, options={"window": WINDOW})
    with processes("worker.py", {**env, "TEMPORAL_TASK_QUEUE": queue}, workers, logdir) as procs:
        await asyncio.sleep(3)  # let every worker process start polling before the clock starts
        server, pg = psutil.Process(server_pid), postgres_snapshot()
        workers_ps = [psutil.Process(p.pid) for p in procs]
        before = {"server": cpu_seconds([server]), "workers": cpu_seconds(workers_ps), "postgres": 0.0}
        started = time.perf_counter()
        await TemporalEnricher(state, client, queue).enrich(job_id)
        while (await state.jobs.get_progress(job_id)).status not in ("completed", "failed", "cancelled"):
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        after = {"server": cpu_seconds([server]), "workers": cpu_seconds(workers_ps), "postgres": postgres_since(pg)}
    out = {"seconds": elapsed}
    for party in before:
        out[f"{party}_cpu_ms_per_row"] = (after[party] - before[party]) * 1000 / rows
    return out


async def _long_job(client: Client, env: dict[str, str], rows: int, logdir: Path) -> dict[str, Any]:
    port = int(env["API_PORT"])
    api = f"http://127.0.0.1:{port}"
    with (
        processes("worker.py", env, 1, logdir) as workers,
        processes("server.py", env, 1, logdir) as servers,
    ):
        await wait_for_port("127.0.0.1", port, 60, alive=lambda: servers[0].poll() is None)
        worker_rss, api_rss = RssPeak(workers), RssPeak(servers)
        stop = asyncio.Event()
        samplers = [asyncio.create_task(worker_rss.sample(stop)), asyncio.create_task(api_rss.sample(stop))]
        async with httpx.AsyncClient(base_url=api, timeout=30) as http:
            started = time.perf_counter()
            created = await http.post(
                "/api/v1/jobs",
                files={"file": ("scale.csv", _csv(rows), "text/csv")},
                data={"options": '{"window": 100}'},
                timeout=600,
            )
            created.raise_for_status()
            upload_s = time.perf_counter() - started
            job_id = created.json()["job_id"]
            latencies: list[float] = []
            done: list[tuple[float, int]] = []
            while True:
                t0 = time.perf_counter()
                resp = await http.get(f"/api/v1/jobs/{job_id}/progress")
                latencies.append((time.perf_counter() - t0) * 1000)
                body = resp.json()
                done.append((time.perf_counter() - started, int(body["done"])))
                if body["status"] in ("completed", "failed", "cancelled"):
                    break
                await asyncio.sleep(0.5)
            elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*samplers)
    runs = [wf async for wf in client.list_workflows(f'WorkflowId="{job_workflow_id(job_id)}"')]
    runs.sort(key=lambda wf: wf.start_time)
    boundaries = [(wf.start_time - runs[0].start_time).total_seconds() for wf in runs[1:]]
    parent_events = [(await history_cost(client, wf.id, wf.run_id)).events for wf in runs]
    return {
        "rows": rows,
        "seconds": elapsed,
        "upload_s": upload_s,
        "done": done,
        "boundaries": boundaries,
        "parent_events": parent_events,
        "worker_rss_mb": worker_rss.peak_mb,
        "api_rss_mb": api_rss.peak_mb,
        "progress_p50_ms": median(latencies),
        "progress_p99_ms": percentile(latencies, 0.99),
        "progress_reads": len(latencies),
    }


def per_window(done: list[tuple[float, int]], width: float = WINDOW_S) -> list[float]:
    """Rows finished per second in each full `width`-second window (the last, partial one is left out)."""
    rates, edge, last_count = [], width, 0
    for t, count in done:
        while t >= edge:
            rates.append((count - last_count) / width)
            last_count, edge = count, edge + width
    return rates


async def run(rows: int, scale_rows: int) -> dict[str, Any]:
    async with scratch_stack("bench-scale-") as stack:
        server, workdir = stack.server, stack.workdir
        env = {
            **os.environ,
            "TEMPORAL_HOST_PORT": server.address,
            "DATABASE_URL": stack.dsn,
            "DATA_DIR": str(workdir / "data"),
            "API_PORT": str(free_port()),
            "TEMPORAL_TASK_QUEUE": "scale",
        }
        state = await StateManager.connect(stack.dsn)
        client = await Client.connect(server.address)
        assert server.pid is not None
        one = await _job_with_workers(state, client, server.pid, env, 1, scale_rows, workdir)
        two = await _job_with_workers(state, client, server.pid, env, 2, scale_rows, workdir)
        await state.close()
        out = await _long_job(client, env, rows, workdir)
        out.update({"scale_rows": scale_rows, "one": one, "two": two})
        return out


def plot(r: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = per_window(r["done"])
    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
    xs = [WINDOW_S * (i + 0.5) for i in range(len(rates))]
    ax.bar(xs, rates, width=WINDOW_S * 0.9, color="#4c78a8", label=f"rows/s per {WINDOW_S:.0f} s")
    for i, b in enumerate(r["boundaries"]):
        ax.axvline(b, color="#e45756", linestyle="--", linewidth=1, label="parent continue-as-new" if i == 0 else None)
    if rates:
        ax.axhline(median(rates), color="#54a24b", linewidth=1, label=f"median {median(rates):.1f} rows/s")
        ax.axhline(0.7 * median(rates), color="#999999", linewidth=1, linestyle=":", label="70 % of median")
    ax.set_xlabel("seconds since upload")
    ax.set_ylabel("rows finished per second")
    ax.set_title(f"{r['rows']:,}-row job, 1 worker process (make bench-scale)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def report(r: dict[str, Any], plot_path: Path | None) -> str:
    rates = per_window(r["done"])
    med = median(rates)
    low = min(rates) if rates else float("nan")
    one, two = r["one"], r["two"]
    ratio = one["seconds"] / two["seconds"]
    n = r["scale_rows"]

    def cpu(x: dict[str, float]) -> str:
        return (
            f"{x['server_cpu_ms_per_row']:.0f} / {x['workers_cpu_ms_per_row']:.0f} / {x['postgres_cpu_ms_per_row']:.0f}"
        )

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} (`make bench-scale`): worker and API as their own processes "
        "(`cmd/worker.py`, `cmd/server.py`) against one embedded Temporal server and PostgreSQL, window 100.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| {n:,}-row job, 1 worker process | {one['seconds']:.1f} s ({n / one['seconds']:.1f} rows/s) | |",
        f"| {n:,}-row job, 2 worker processes | {two['seconds']:.1f} s ({n / two['seconds']:.1f} rows/s) "
        f"| ≥ 1.3× one: {ratio:.2f}× |",
        f"| CPU ms per row, server / worker(s) / PostgreSQL: 1 worker | {cpu(one)} | |",
        f"| CPU ms per row, server / worker(s) / PostgreSQL: 2 workers | {cpu(two)} | |",
        f"| {r['rows']:,}-row job through the API, 1 worker | {r['seconds']:.0f} s "
        f"({r['rows'] / r['seconds']:.1f} rows/s; the upload answered in {r['upload_s']:.1f} s) | |",
        f"| rows/s per {WINDOW_S:.0f} s window: median / lowest (lowest ÷ median) | {med:.1f} / {low:.1f} "
        f"({low / med:.0%}) | lowest ≥ 70 % of median |",
        f"| parent runs (continue-as-new at s) | {len(r['parent_events'])} "
        f"({', '.join(f'{b:.0f}' for b in r['boundaries']) or 'none'}) | |",
        f"| events per parent run, most | {max(r['parent_events']):,} | ≤ 10,000 |",
        f"| peak RSS: worker / API | {r['worker_rss_mb']:.0f} / {r['api_rss_mb']:.0f} MB | worker ≤ 500 MB |",
        f"| `/progress` while it runs, p50 / p99 of {r['progress_reads']} | {r['progress_p50_ms']:.1f} / "
        f"{r['progress_p99_ms']:.1f} ms | p99 ≤ 50 ms |",
    ]
    if plot_path is not None:
        lines += ["", f"![rows/s per 30 s over the {r['rows']:,}-row job]({os.path.relpath(plot_path, REPO / 'docs')})"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--scale-rows", type=int, default=2000)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, args.scale_rows))
    if args.plot:
        plot(result, args.plot)
    text = report(result, args.plot)
    print(text)
    if args.write:
        write_section(args.write, SECTION, "Scale: worker processes and a 10,000-row job — `make bench-scale`", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
