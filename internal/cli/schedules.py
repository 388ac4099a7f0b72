"""`enrich schedule …`: scheduled refreshes through the API (POST/GET/DELETE /api/v1/schedules, docs/schedules.md)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from internal.cli import render
from internal.cli.client import ApiClient

_ACTIONS = {
    "pause": "pause a schedule (no runs until resumed; a run in progress finishes)",
    "resume": "resume a paused schedule",
    "trigger": "start a run now (refused while one is in progress) and print the job it made",
    "delete": "delete a schedule: no further runs; the jobs it made stay",
}


def add_commands(sub: Any, console: Console, parse_options: Callable[[list[str]], dict[str, Any]]) -> None:
    """Add `schedule` and its subcommands to the `enrich` parser."""
    top = sub.add_parser(
        "schedule",
        help="scheduled refreshes: a CSV enriched again every interval or on a cron expression",
        description="A schedule stores a CSV's products once and starts a job from them every interval "
        "(--every 1h) or on a cron expression (--cron '0 6 * * *', UTC). Every run is a job with the option "
        "refresh=true (docs/schedules.md); runs of one schedule never overlap.",
    )
    commands = top.add_subparsers(dest="schedule_command", required=True)

    c = commands.add_parser("create", help="create a schedule from a CSV")
    c.add_argument("file", type=Path)
    when = c.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", metavar="INTERVAL", help="an interval: 5s, 90m, 1h, 1h30m, 1d")
    when.add_argument("--cron", metavar="EXPR", help="a cron expression in UTC, e.g. '0 6 * * *'")
    c.add_argument("--name", help="a name to know it by")
    c.add_argument(
        "--option",
        "-o",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="job option of every run, as for `enrich submit` (repeatable)",
    )

    def create(client: ApiClient, args: argparse.Namespace) -> int:
        created = client.schedule_create(
            args.file, every=args.every, cron=args.cron, options=parse_options(args.option), name=args.name
        )
        when_text = f"every {created['every']}" if created["every"] else f"cron {created['cron']!r}"
        console.print(
            f"schedule [bold]{created['schedule_id']}[/] ({created['temporal_schedule_id']}): "
            f"{created['total_rows']} rows, {created['invalid_rows']} invalid, {when_text}"
        )
        for bad in created["invalid_samples"]:
            console.print(f"  [magenta]row {bad['row']}[/]: {bad['reason']}")
        if created["next_runs"]:
            console.print(f"next run: {created['next_runs'][0]}")
        print(created["schedule_id"])
        return 0

    c.set_defaults(run=create)

    ls = commands.add_parser("list", help="list schedules, newest first")

    def list_(client: ApiClient, args: argparse.Namespace) -> int:
        table = Table("schedule", "name", "when", "state", "rows", "created")
        for s in client.schedules():
            when_text = f"every {s['every']}" if s["every"] else f"cron {s['cron']}"
            table.add_row(
                s["schedule_id"], s.get("name") or "", when_text, s["state"], str(s["total_rows"]), s["created_at"][:19]
            )
        console.print(table)
        return 0

    ls.set_defaults(run=list_)

    sh = commands.add_parser("show", help="a schedule: state, timing, next runs, its latest jobs")
    sh.add_argument("schedule_id")
    sh.add_argument("--json", action="store_true", help="print the API's JSON instead")

    def show(client: ApiClient, args: argparse.Namespace) -> int:
        shown = client.schedule(args.schedule_id)
        if args.json:
            print(json.dumps(shown, indent=2))
            return 0
        for line in render.schedule_lines(shown):
            console.print(line)
        if shown["recent_runs"]:
            console.print(render.schedule_runs_table(shown["recent_runs"]))
        else:
            console.print("  no run yet")
        notice = render.demo_notice(shown["options"])
        if notice:
            console.print(notice)
        return 0

    sh.set_defaults(run=show)

    for name, text in _ACTIONS.items():
        a = commands.add_parser(name, help=text)
        a.add_argument("schedule_id")

        def act(client: ApiClient, args: argparse.Namespace) -> int:
            result = client.schedule_action(args.schedule_id, args.schedule_command)
            console.print(f"schedule {result['schedule_id']}: {result['state']}")
            if args.schedule_command == "trigger":
                console.print(_started(result))
            return 0

        a.set_defaults(run=act)


def _started(triggered: dict[str, Any]) -> str:
    """What a trigger started: its run and the job the run made, or that they are not known yet."""
    schedule_id, run, job_id = triggered["schedule_id"], triggered.get("run_workflow_id"), triggered.get("job_id")
    later = f"`enrich schedule show {schedule_id}` lists its job once it is made"
    if job_id:
        return f"run {run} started job [bold]{job_id}[/] (follow it: enrich progress {job_id} --watch)"
    if run:
        return f"run {run} started; its job is not made yet (is a worker running?): {later}"
    return f"the run has not started yet: {later}"
