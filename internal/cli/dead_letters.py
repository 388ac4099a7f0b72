"""`enrich dead-letters list|replay`: reviews that failed validation (GET /api/v1/dead-letters) and their replay
after a fix (POST /api/v1/dead-letters/replay), docs/sources.md "Dead letters"."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from internal.cli.client import ApiClient


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", help="only this source's")
    p.add_argument("--reason", help="only this reason code (rating_out_of_range, missing_field, ...)")
    p.add_argument("--since", help="received at or after (ISO 8601)")
    p.add_argument("--until", help="received before (ISO 8601)")


def add_commands(sub: Any, console: Console) -> None:
    top = sub.add_parser(
        "dead-letters",
        help="reviews that failed validation (pushed or pulled), and their replay after a fix",
        description="Every review that failed validation is kept with its reason, its raw payload, where it "
        "came from (a push batch, or a job row's fetch) and when (docs/sources.md).",
    )
    commands = top.add_subparsers(dest="dead_letters_command", required=True)

    ls = commands.add_parser("list", help="dead letters, newest first")
    _filters(ls)
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--before", type=int, help="paging: the next_before the previous page printed")
    ls.add_argument("--json", action="store_true", help="print the API's JSON instead")

    def list_(client: ApiClient, args: argparse.Namespace) -> int:
        page = client.dead_letters(
            source=args.source,
            reason=args.reason,
            since=args.since,
            until=args.until,
            limit=args.limit,
            before=args.before,
        )
        if args.json:
            print(json.dumps(page, indent=2))
            return 0
        table = Table("id", "received", "source", "from", "reason", "message", "moved")
        for d in page["items"]:
            where = (
                f"batch {d['batch_id'][:8]} #{d['position']}"
                if d["origin"] == "push"
                else (f"job {d['job_id']} row {d['row_num']}")
            )
            table.add_row(
                str(d["dead_letter_id"]),
                d["received_at"][:19],
                d["source"],
                where,
                d["reason"],
                d["message"][:60],
                d["replay_outcome"] or "",
            )
        console.print(table)
        if page["next_before"]:
            console.print(f"more: enrich dead-letters list --before {page['next_before']}")
        return 0

    ls.set_defaults(run=list_)

    rp = commands.add_parser("replay", help="validate the matching dead letters again; store what now passes")
    _filters(rp)
    rp.add_argument("--id", type=int, action="append", dest="ids", help="only these dead letters (repeatable)")

    def replay(client: ApiClient, args: argparse.Namespace) -> int:
        done = client.replay_dead_letters(
            source=args.source, reason=args.reason, since=args.since, until=args.until, ids=args.ids
        )
        console.print(
            f"examined {done['examined']}: stored {done['stored']}, already stored {done['duplicates']}, "
            f"still invalid {len(done['still_invalid'])}, not checked {len(done['skipped'])}"
        )
        for bad in done["still_invalid"][:20]:
            console.print(f"  [magenta]{bad['dead_letter_id']}[/]: {bad['reason']}: {bad['message']}")
        for skipped in done["skipped"][:20]:
            console.print(f"  {skipped['dead_letter_id']}: {skipped['why']}")
        return 0

    rp.set_defaults(run=replay)
