"""`enrich`: the command line for the review enrichment API.

Exit codes scripts can rely on: 0 done (for --wait: the job completed), 1 the job ended failed or cancelled,
2 the request was refused (bad file, unknown job, impossible transition), 3 the API is unreachable or broken.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from internal.cli import schedules
from internal.cli.client import ApiClient, ApiFailure

TERMINAL = ("completed", "failed", "cancelled")
STATUS_STYLE = {
    "succeeded": "green",
    "low_confidence": "yellow",
    "no_reviews": "dim",
    "failed": "red",
    "cancelled": "red",
    "invalid": "magenta",
    "duplicate": "cyan",
    "running": "blue",
    "pending": "dim",
}
# Piped output (CI logs, files) gets a wide page instead of rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def watch(client: ApiClient, job_id: str, interval: float = 1.0) -> dict[str, Any]:
    """A live progress bar until the job ends; returns the last progress."""
    p = client.progress(job_id)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"job {job_id}", total=max(p["total"], 1), detail="")
        while True:
            detail = "  ".join(
                f"{k.replace('_', ' ')} {p[k]}"
                for k in ("succeeded", "low_confidence", "no_reviews", "failed", "invalid", "duplicate")
                if p.get(k)
            )
            eta = f"  eta {p['eta_seconds']:.0f}s" if p.get("eta_seconds") else ""
            bar.update(task, completed=p["done"], detail=f"[dim]{p['status']}[/]  {detail}{eta}")
            if p["status"] in TERMINAL:
                break
            time.sleep(interval)
            p = client.progress(job_id)
    c = p.get("costs") or {}
    reused = f", {c['reused_rows']} rows reused stored reviews" if c.get("reused_rows") else ""
    console.print(
        f"spent: {c.get('source_requests', 0)} source requests, {c.get('scorer_calls', 0)} scorer calls{reused}"
    )
    return p


def results_table(rows: list[dict[str, Any]], title: str = "") -> Table:
    table = Table(title=title or None, show_lines=False)
    for name, justify in [
        ("row", "right"),
        ("product", "left"),
        ("reviews", "right"),
        ("score", "right"),
        ("label", "left"),
        ("confidence", "left"),
        ("status", "left"),
        ("reason", "left"),
    ]:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        res = r.get("result") or {}
        status = r["status"]
        table.add_row(
            str(r["row"]),
            r.get("product_id") or "",
            str(res.get("review_count", "")),
            res.get("score_display") or "",
            res.get("label") or "",
            res.get("confidence") or "",
            f"[{STATUS_STYLE.get(status, '')}]{status}[/]",
            (r.get("reason") or "")[:90],
        )
    return table


def _options(pairs: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--option takes key=value, got {pair!r}")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def cmd_submit(client: ApiClient, args: argparse.Namespace) -> int:
    created = client.submit(args.file, _options(args.option))
    console.print(
        f"job [bold]{created['job_id']}[/] ({created['workflow_id']}): {created['total_rows']} rows, "
        f"{created['invalid_rows']} invalid, {created['duplicate_rows']} duplicate"
    )
    for bad in created["invalid_samples"]:
        console.print(f"  [magenta]row {bad['row']}[/]: {bad['reason']}")
    if not args.wait:
        print(created["job_id"])
        return 0
    final = watch(client, created["job_id"])
    return 0 if final["status"] == "completed" else 1


def cmd_jobs(client: ApiClient, args: argparse.Namespace) -> int:
    table = Table("job", "status", "rows", "file", "created", "finished")
    for job in client.jobs(limit=args.limit, status=args.status):
        table.add_row(
            job["job_id"],
            job["status"],
            str(job["total_rows"]),
            job.get("filename") or "",
            job["created_at"][:19],
            (job.get("finished_at") or "")[:19],
        )
    console.print(table)
    return 0


def cmd_progress(client: ApiClient, args: argparse.Namespace) -> int:
    if args.watch:
        final = watch(client, args.job_id)
        return 0 if final["status"] == "completed" else 1
    console.print_json(data=client.progress(args.job_id))
    return 0


def cmd_results(client: ApiClient, args: argparse.Namespace) -> int:
    out = args.output.open("wb") if args.output else None
    try:
        if args.format == "csv":
            sink = out or sys.stdout.buffer
            for chunk in client.results_csv(args.job_id):
                sink.write(chunk)
            sink.flush()
        elif args.format == "json":
            rows = list(client.results(args.job_id))
            text = json.dumps(rows, indent=1, ensure_ascii=False)
            (out.write(text.encode()) if out else print(text))
        else:
            rows = list(client.results(args.job_id))
            if out:
                table = Console(file=io.StringIO(), width=200, record=True)
                table.print(results_table(rows))
                out.write(table.export_text().encode())
            else:
                console.print(results_table(rows, title=f"job {args.job_id}"))
    finally:
        if out:
            out.close()
    return 0


def cmd_action(client: ApiClient, args: argparse.Namespace) -> int:
    result = client.action(args.job_id, args.command)
    console.print(f"job {result['job_id']}: {result['status']}")
    return 0


# `enrich retry-failed` and `enrich retry`: the API route each posts to, and which rows it sends back to pending.
_RETRIES = {"retry-failed": "failed", "retry": "failed or cancelled"}


def cmd_retry(client: ApiClient, args: argparse.Namespace) -> int:
    result = client.action(args.job_id, args.command)
    rows = _RETRIES[args.command]
    console.print(f"job {result['job_id']}: {result['status']}, {result['rows']} {rows} rows sent back to pending")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="enrich", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--api-url",
        default=os.environ.get("API_URL", "http://127.0.0.1:8080"),
        help="API base URL (env API_URL; default http://127.0.0.1:8080)",
    )
    p.add_argument("--token", default=os.environ.get("API_TOKEN"), help="bearer token (env API_TOKEN)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("submit", help="upload a CSV and start a job")
    s.add_argument("file", type=Path)
    s.add_argument("--wait", action="store_true", help="show a live progress bar until the job ends")
    s.add_argument(
        "--option",
        "-o",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="job option, e.g. window=50 or 'scorer_chain=[\"vader\"]' (repeatable)",
    )
    s.set_defaults(run=cmd_submit)
    j = sub.add_parser("jobs", help="list jobs, newest first")
    j.add_argument("--limit", type=int, default=20)
    j.add_argument("--status")
    j.set_defaults(run=cmd_jobs)
    g = sub.add_parser("progress", help="counts per row status")
    g.add_argument("job_id")
    g.add_argument("--watch", action="store_true", help="live progress bar until the job ends")
    g.set_defaults(run=cmd_progress)
    r = sub.add_parser("results", help="results of a job")
    r.add_argument("job_id")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    r.add_argument("-o", "--output", type=Path, help="write to this file instead of the terminal")
    r.set_defaults(run=cmd_results)
    for name, text in [("cancel", "cancel a job"), ("pause", "pause a running job"), ("resume", "resume a paused job")]:
        a = sub.add_parser(name, help=text)
        a.add_argument("job_id")
        a.set_defaults(run=cmd_action)
    for name, rows in _RETRIES.items():
        rf = sub.add_parser(name, help=f"run again the {rows} rows of a finished job")
        rf.add_argument("job_id")
        rf.set_defaults(run=cmd_retry)
    schedules.add_commands(sub, console, _options)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    client = ApiClient(args.api_url, args.token)
    try:
        code: int = args.run(client, args)
        return code
    except ApiFailure as err:
        err_console.print(f"[red]error[/] ({err.code}): {err.message}")
        if isinstance(err.details, dict) and err.details.get("row"):
            err_console.print(f"  at row {err.details['row']}, column {err.details.get('column')}")
        return 3 if err.status == 0 or err.status >= 500 else 2
    except FileNotFoundError as err:
        err_console.print(f"[red]error[/]: {err}")
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
