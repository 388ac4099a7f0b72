"""`enrich schedule …`: scheduled refreshes through the API (POST/GET/DELETE /api/v1/schedules, docs/schedules.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from internal.cli.client import ApiClient

_ACTIONS = {
    "pause": "pause a schedule (no runs until resumed; a run in progress finishes)",
    "resume": "resume a paused schedule",
    "trigger": "start a run now (refused while one is in progress)",
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

    sh = commands.add_parser("show", help="a schedule: state, next runs, its recent jobs")
    sh.add_argument("schedule_id")

    def show(client: ApiClient, args: argparse.Namespace) -> int:
        console.print_json(data=client.schedule(args.schedule_id))
        return 0

    sh.set_defaults(run=show)

    for name, text in _ACTIONS.items():
        a = commands.add_parser(name, help=text)
        a.add_argument("schedule_id")

        def act(client: ApiClient, args: argparse.Namespace) -> int:
            result = client.schedule_action(args.schedule_id, args.schedule_command)
            console.print(f"schedule {result['schedule_id']}: {result['state']}")
            return 0

        a.set_defaults(run=act)
