"""`enrich show JOB ROW`: one product's evidence — why it scored as it did (GET /api/v1/jobs/{id}/products/{row})."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from internal.cli.client import ApiClient

# Aspects printed; `--json` has them all.
_ASPECTS = 8


def add_command(sub: Any, console: Console) -> None:
    s = sub.add_parser(
        "show",
        help="one product's evidence: score, why its confidence, aspects, quotes, reviews",
        description="Why one product scored as it did: its score and 95%% interval, the label distribution, why "
        "the result has the confidence it has, the aspects its reviews talk about (N of M reviews, mean "
        "sentiment and interval, quotes), the representative praise and complaint, and a page of its reviews.",
    )
    s.add_argument("job_id")
    s.add_argument("row", type=int, help="the row number in the uploaded spreadsheet (the header is row 1)")
    s.add_argument("--reviews", type=int, default=5, help="reviews to print (default 5; 0 for none)")
    s.add_argument("--offset", type=int, default=0, help="reviews to skip")
    s.add_argument("--json", action="store_true", help="print the API's JSON instead")
    s.set_defaults(run=lambda client, args: cmd_show(client, args, console))


def cmd_show(client: ApiClient, args: argparse.Namespace, console: Console) -> int:
    product = client.product(args.job_id, args.row, offset=args.offset, limit=max(args.reviews, 1))
    if args.json:
        console.print_json(json.dumps(product))
        return 0
    for line in product_lines(product, reviews=args.reviews):
        console.print(line, highlight=False)
    return 0


def _provider(source: dict[str, Any]) -> str:
    """Who named the aspects, when not the offline analysis, and what of theirs was dropped or went wrong."""
    words = ""
    if source.get("provider") not in (None, "offline"):
        words += f", named by {source['provider']}"
    if source.get("dropped_claims"):
        words += f", {source['dropped_claims']} of its claims dropped"
    if source.get("provider_error"):
        words += f", offline: {escape(str(source['provider_error']))}"
    return words


def _quote(q: Mapping[str, Any] | None) -> str:
    if not q:
        return "-"
    stars = f", {q['rating']:g}★" if q.get("rating") is not None else ""
    date = f", {q['date']}" if q.get("date") else ""
    return f"“{escape(q['text'])}” (review {escape(q['review_id'])}{stars}{date})"


def _interval(low: Any, high: Any) -> str:
    return "" if low is None or high is None else f" [{low:+.2f} … {high:+.2f}]"


def product_lines(p: Mapping[str, Any], *, reviews: int = 5) -> list[str]:
    """The product as lines of rich markup (user text escaped)."""
    name = p.get("name") or p.get("product_id") or f"row {p['row']}"
    lines = [f"[bold]{escape(str(name))}[/] — job {p['job_id']}, row {p['row']}: {p['status']}"]
    if p.get("demo_data"):
        lines.append("[yellow]Demo data: these reviews were invented by the offline demo source.[/]")
    s = p.get("score")
    if s and s.get("score_5") is not None:
        lines.append(
            f"Score {s['score_display']} ({s['label']}, {s['confidence']} confidence); mean sentiment "
            f"{s['mean_sentiment']:+.2f}{_interval(s['ci95_low'], s['ci95_high'])} over {s['review_count']} reviews"
        )
    dist = p.get("label_distribution") or {}
    if dist:
        lines.append("Reviews: " + ", ".join(f"{k} {v}" for k, v in dist.items()))
    lines.append(f"Why: {escape(p['why'])}")
    aspects = p.get("aspects") or []
    if aspects:
        lines.append("")
        lines.append(f"[bold]Aspects[/] ({len(aspects)}{_provider(p.get('aspect_provider') or {})}):")
        for a in aspects[:_ASPECTS]:
            lines.append(
                f"  {escape(a['name'])}: {a['mentions']} of {a['reviews']} reviews, mean "
                f"{a['mean_sentiment']:+.2f}{_interval(a['ci95_low'], a['ci95_high'])} "
                f"(+{a['positive']} / -{a['negative']})"
            )
            for q in a.get("quotes") or []:
                lines.append(f"      {_quote(q)}")
    evidence = p.get("evidence") or {}
    if evidence:
        lines.append("")
        lines.append(
            f"[green]Praise[/] ({evidence.get('praise_reviews', 0)} reviews): {_quote(evidence.get('praise'))}"
        )
        lines.append(
            f"[red]Complaint[/] ({evidence.get('complaint_reviews', 0)} reviews): {_quote(evidence.get('complaint'))}"
        )
    page = p.get("reviews") or {}
    items = (page.get("items") or [])[:reviews]
    if items:
        lines.append("")
        lines.append(f"[bold]Reviews[/] {page['offset'] + 1}–{page['offset'] + len(items)} of {page['total']}:")
        for r in items:
            stars = f"{r['rating']:g}★ " if r.get("rating") is not None else ""
            score = f"{r['sentiment']:+.2f} {r['label']}" if r.get("sentiment") is not None else "unscored"
            text = r["text"] if len(r["text"]) <= 160 else r["text"][:159] + "…"
            lines.append(f"  {escape(r['review_id'])} {stars}({score}): {escape(text)}")
    return lines
