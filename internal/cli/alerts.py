"""`enrich alerts …`: webhook subscriptions and the alerts sent to them (/api/v1/alerts, docs/alerts.md)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from internal.cli.client import ApiClient

_CONDITIONS = ("sentiment_drop", "job_finished", "schedule_run_finished")


def add_commands(sub: Any, console: Console) -> None:
    """Add `alerts` and its subcommands to the `enrich` parser."""
    top = sub.add_parser(
        "alerts",
        help="webhook alerts: a real sentiment drop, a job or a scheduled run finished",
        description="Subscribe a webhook URL to alerts (docs/alerts.md): sentiment_drop fires only when a "
        "product's new 95%% interval lies wholly below its previous mean over enough new reviews.",
    )
    commands = top.add_subparsers(dest="alerts_command", required=True)

    ls = commands.add_parser("list", help="the subscriptions")

    def list_(client: ApiClient, args: argparse.Namespace) -> int:
        table = Table("subscription", "url", "conditions", "scope", "created")
        for s in client.alert_subscriptions():
            scope = s["scope"]["kind"] + (f" {s['scope']['id']}" if s["scope"]["id"] else "")
            table.add_row(s["subscription_id"], s["url"], ", ".join(s["conditions"]), scope, s["created_at"][:19])
        console.print(table)
        return 0

    ls.set_defaults(run=list_)

    add = commands.add_parser("add", help="subscribe a webhook URL; prints the signing secret once")
    add.add_argument("url")
    add.add_argument(
        "--on", action="append", choices=_CONDITIONS, required=True, help="a condition (repeatable)", dest="on"
    )
    scope = add.add_mutually_exclusive_group()
    scope.add_argument("--schedule", metavar="SCHEDULE_ID", help="only this schedule's runs and products")
    scope.add_argument("--job", metavar="JOB_ID", help="only this job's products (and its end)")
    add.add_argument("--secret", help="the HMAC key to sign with (generated when left out)")

    def add_(client: ApiClient, args: argparse.Namespace) -> int:
        kind, scope_id = (
            ("schedule", args.schedule) if args.schedule else ("job", args.job) if args.job else ("all", None)
        )
        body: dict[str, Any] = {"url": args.url, "conditions": args.on, "scope": {"kind": kind, "id": scope_id}}
        if args.secret:
            body["secret"] = args.secret
        made = client.alert_subscribe(body)
        console.print(
            f"subscription [bold]{made['subscription_id']}[/]: {', '.join(made['conditions'])} → {made['url']}"
        )
        console.print(f"signing secret (shown once): {made['secret']}")
        print(made["subscription_id"])
        return 0

    add.set_defaults(run=add_)

    rm = commands.add_parser("remove", help="delete a subscription")
    rm.add_argument("subscription_id")

    def remove(client: ApiClient, args: argparse.Namespace) -> int:
        client.alert_unsubscribe(args.subscription_id)
        console.print(f"subscription {args.subscription_id} deleted")
        return 0

    rm.set_defaults(run=remove)

    dl = commands.add_parser("deliveries", help="the alerts sent, newest first, with every delivery attempt")
    dl.add_argument("--subscription", metavar="SUBSCRIPTION_ID")
    dl.add_argument("--limit", type=int, default=20)
    dl.add_argument("--json", action="store_true", help="print the API's JSON instead")

    def deliveries(client: ApiClient, args: argparse.Namespace) -> int:
        found = client.alerts(args.limit, args.subscription)
        if args.json:
            print(json.dumps(found, indent=2))
            return 0
        table = Table("alert", "kind", "about", "status", "attempts", "last answer")
        for a in found:
            about = a["product_id"] or a["job_id"] or ""
            last = a["attempts"][-1] if a["attempts"] else None
            answer = "" if last is None else str(last["http_status"] or last["error"] or "")
            if last is not None and last.get("retry_after") is not None:
                answer += f" (Retry-After {last['retry_after']:g} s)"
            table.add_row(a["alert_id"], a["kind"], about, a["status"], str(len(a["attempts"])), answer[:60])
        console.print(table)
        return 0

    dl.set_defaults(run=deliveries)
