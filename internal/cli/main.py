"""`enrich`: the command line for the review enrichment API.

The API is --api-url, else API_URL, else http://127.0.0.1:8080; the token is --token, else API_TOKEN. API_URL and
API_TOKEN come from the environment or from a .env file in the current directory (the environment wins).
Output is for people, as wide as the terminal; --json (progress, schedule show) and --format csv|json (results)
are for scripts.

Exit codes scripts can rely on: 0 done (for --wait: the job completed), 1 the job ended failed or cancelled,
2 the request was refused (bad file, unknown job, impossible transition), 3 the API is unreachable or broken.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from internal.cli import alerts, dead_letters, render, schedules, show
from internal.cli.client import ApiClient, ApiFailure
from internal.domain.lifecycle import TERMINAL_JOB_STATUSES
from internal.platform.config import DEFAULT_API_URL, ApiAccess

console = render.make_console()
err_console = render.make_console(stderr=True)


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
            detail = render.counts_text(p, sep="  ")
            eta = f"  eta {p['eta_seconds']:.0f}s" if p.get("eta_seconds") else ""
            bar.update(task, completed=p["done"], detail=f"[dim]{p['status']}[/]  {detail}{eta}")
            if p["status"] in TERMINAL_JOB_STATUSES:
                break
            time.sleep(interval)
            p = client.progress(job_id)
    # The bar's last line is cut to the terminal's width: the end state in full, under it.
    for line in render.progress_lines(p):
        console.print(line)
    return p


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
    # Cells of echoed columns cut to the intake limit: the rows run, but the user is told what was shortened.
    for cut in created.get("warnings") or []:
        console.print(f"  [yellow]row {cut['row']}[/]: {cut['reason']}")
    if created.get("error"):  # no row could run: the job ended before it started
        console.print(f"[red]{created['status']}[/]: {created['error']}")
        return 1
    if not args.wait:
        print(created["job_id"])
        return 0
    final = watch(client, created["job_id"])
    notice = render.demo_notice(client.job(created["job_id"])["options"])
    if notice:
        console.print(notice)
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
    progress = client.progress(args.job_id)
    if args.json:
        print(json.dumps(progress, indent=2))
    else:
        for line in render.progress_lines(progress):
            console.print(line)
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
            options = client.job(args.job_id)["options"]
            rows = list(client.results(args.job_id))
            if out:
                page = Console(file=io.StringIO(), width=render.PIPED_WIDTH, record=True)
                render.print_results(page, rows, options)
                out.write(page.export_text().encode())
            else:
                render.print_results(console, rows, options, title=f"job {args.job_id}")
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
        help=f"API base URL (default: API_URL from the environment, else from .env in the current directory, "
        f"else {DEFAULT_API_URL})",
    )
    p.add_argument("--token", help="bearer token (default: API_TOKEN from the environment, else from .env)")
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
    g = sub.add_parser("progress", help="a job's state, rows per status, pace and what it spent")
    g.add_argument("job_id")
    g.add_argument("--watch", action="store_true", help="live progress bar until the job ends")
    g.add_argument("--json", action="store_true", help="print the API's JSON instead")
    g.set_defaults(run=cmd_progress)
    r = sub.add_parser(
        "results",
        help="results of a job",
        description="The results of a job. The table is one line per row, as wide as the terminal: product, name "
        "and reason are cut with an ellipsis to fit (csv and json have everything). It shows your uploaded name, "
        "then the source's if it differs; '60 of 400' reviews when the score rests on a sample; a change column "
        "for a refresh job; and says so when the reviews come from the demo source.",
    )
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
    show.add_command(sub, console)
    schedules.add_commands(sub, console, _options)
    dead_letters.add_commands(sub, console)
    alerts.add_commands(sub, console)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Flags win over the environment, which wins over .env (the service's own rule: internal/platform/config.py).
    access = ApiAccess()
    client = ApiClient(args.api_url or access.url, args.token or access.token)
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
