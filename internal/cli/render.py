"""What the `enrich` CLI prints for people: a job's progress, its results and a schedule as short lines and tables
that fit the terminal (the API's raw JSON stays behind `--json`). Rendering only: no HTTP here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

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
OUTCOMES = ("succeeded", "low_confidence", "no_reviews", "failed", "cancelled", "invalid", "duplicate")
# Piped output with no COLUMNS (CI logs, files) gets a wide page instead of rich's 80-column default.
PIPED_WIDTH = 160
DEMO_SOURCE = "demo"


def make_console(*, stderr: bool = False) -> Console:
    """A console as wide as the terminal (or COLUMNS, which rich reads itself). Tables fit that width; a line of
    text is never broken by us (soft wrap: the terminal folds it), so it stays one line in a pipe or a file."""
    stream = sys.stderr if stderr else sys.stdout
    fits = stream.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(stderr=stderr, width=None if fits else PIPED_WIDTH, soft_wrap=True)


def counts_text(counts: Mapping[str, Any], names: Sequence[str] = OUTCOMES, sep: str = " · ") -> str:
    """'succeeded 30 · low confidence 5 · failed 1': the statuses that have rows, in a fixed order."""
    return sep.join(f"{name.replace('_', ' ')} {counts[name]}" for name in names if counts.get(name))


def costs_text(progress: Mapping[str, Any]) -> str:
    c = progress.get("costs") or {}
    reused = f", {c['reused_rows']} rows reused stored reviews" if c.get("reused_rows") else ""
    return f"spent: {c.get('source_requests', 0)} source requests, {c.get('scorer_calls', 0)} scorer calls{reused}"


def progress_lines(p: Mapping[str, Any]) -> list[str]:
    """A job's progress (GET …/progress) as a few lines a person reads at a glance."""
    lines = [f"job [bold]{p['job_id']}[/]: {p['status']}, {p['done']} of {p['total']} rows done ({p['percent']:.0f}%)"]
    waiting = counts_text(p, ("pending", "running"))
    if waiting:
        lines.append(f"  to do: {waiting}")
    done = counts_text(p)
    if done:
        lines.append(f"  done:  {done}")
    pace = []
    if p.get("rows_per_second"):
        pace.append(f"{p['rows_per_second']:.1f} rows/s")
    if p.get("eta_seconds"):
        pace.append(f"about {_duration(p['eta_seconds'])} left")
    if pace:
        lines.append("  pace:  " + ", ".join(pace))
    lines.append("  " + costs_text(p))
    return lines


def demo_notice(options: Mapping[str, Any] | None, rows: Sequence[Mapping[str, Any]] = ()) -> str | None:
    """One line when results come from the demo source (the job's default source, or a row's own), else None."""
    job_demo = (options or {}).get("source") == DEMO_SOURCE
    sources = [(r.get("result") or {}).get("source") for r in rows]
    demo_rows = sum(s == DEMO_SOURCE for s in sources)
    other_rows = sum(bool(s) and s != DEMO_SOURCE for s in sources)
    if not demo_rows and not (job_demo and not other_rows):
        return None
    what = f"{demo_rows} of {len(rows)} rows have reviews" if other_rows else "these reviews were"
    return f"[bold yellow]Demo data[/]: {what} invented by the offline demo source. Set REVIEW_SOURCE for real ones."


def _cell(text: str, style: str = "") -> Text:
    # Cut, never wrapped: a row of the table stays one line whatever the terminal's width.
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def _user_name(row: Mapping[str, Any]) -> str:
    """The uploaded `name` column (any case), as the user wrote it."""
    return next((v for k, v in (row.get("input") or {}).items() if k.lower() == "name" and v), "")


def _names(row: Mapping[str, Any]) -> tuple[str, str]:
    """(the user's own name, the source's name when it says something else); the source's comes first only when
    the user gave none."""
    mine = _user_name(row).strip()
    theirs = str(((row.get("result") or {}).get("meta") or {}).get("name") or "").strip()
    return (mine, theirs if theirs.casefold() != mine.casefold() else "") if mine else ("", theirs)


def _name_cell(mine: str, theirs: str, width: int) -> Text:
    """The user's name; the source's after it, dimmed, only if it fits whole (a cut second name is noise)."""
    if not mine:
        return _cell(theirs, "dim")
    cell = _cell(mine)
    if theirs and len(mine) + 3 + len(theirs) <= width:
        cell.append(f" · {theirs}", style="dim")
    return cell


def reviews_cell(result: Mapping[str, Any] | None) -> str:
    """'60 of 400' when the score rests on a sample of what the source reports, else the count scored."""
    if not result or result.get("review_count") is None:
        return ""
    scored = result["review_count"]
    available = result.get("reviews_available")
    if isinstance(available, int) and not isinstance(available, bool) and available > scored:
        return f"{scored} of {available}"
    return str(scored)


def _change(value: Any) -> str:
    return f"{value:+.2f}" if isinstance(value, int | float) else ""


def _sentiment(result: Mapping[str, Any]) -> str:
    return ", ".join(str(result[k]) for k in ("label", "confidence") if result.get(k))


# Columns that give way when the console is too narrow (their cells are cut with an ellipsis, never wrapped), with
# their weights in sharing the room the other columns leave: the reason gets the most.
_SHRINKABLE = {"product": 1.0, "name": 1.25, "reason": 1.75}
_GAP = 2  # between two columns (box.SIMPLE_HEAD without edges)
_MIN_WIDTH = 8
# Below this room for product, name and reason, these columns are left out, in this order (csv and json keep them).
_NARROW_ROOM = 40
_LEFT_OUT_WHEN_NARROW = ("score", "reviews")


def _share(room: int, natural: dict[str, int]) -> dict[str, int]:
    """Widths for the shrinkable columns within `room`: a column that needs less than its weighted share keeps its
    width and leaves the rest to the others (max-min fair); the others get their share."""
    widths: dict[str, int] = {}
    pending = dict(_SHRINKABLE)
    while pending:
        total = sum(pending.values())
        fits = [n for n, w in pending.items() if natural[n] <= room * w / total]
        if not fits:
            widths.update({n: max(_MIN_WIDTH, int(room * w / total)) for n, w in pending.items()})
            break
        for n in fits:
            widths[n] = natural[n]
            room -= natural[n]
            del pending[n]
    return widths


def results_table(rows: Sequence[Mapping[str, Any]], title: str = "", *, width: int, refresh: bool = False) -> Table:
    """One line per row, at most `width` wide (the console's): every column keeps its width but product, name and
    reason, which give way. `refresh` (or a row with a score_change) adds the change since the previous run."""
    with_change = refresh or any((r.get("result") or {}).get("score_change") is not None for r in rows)
    all_cells: list[dict[str, Text]] = []
    names_of = [_names(r) for r in rows]
    for r, (mine, theirs) in zip(rows, names_of, strict=True):
        res = r.get("result") or {}
        status = r["status"]
        cells = {
            "row": _cell(str(r["row"])),
            "product": _cell(r.get("product_id") or ""),
            "name": _cell(mine or theirs),
            "reviews": _cell(reviews_cell(res)),
            "score": _cell(res.get("score_display") or ""),
            "change": _cell(_change(res.get("score_change"))),
            "sentiment": _cell(_sentiment(res)),
            "status": _cell(status, STATUS_STYLE.get(status, "")),
            "reason": _cell(r.get("reason") or ""),
        }
        all_cells.append(cells)
    names = ["row", "product", "name", "reviews", "score", *(["change"] if with_change else []), "sentiment"]
    names += ["status", "reason"]
    natural = {n: max([len(n), *(c[n].cell_len for c in all_cells)]) for n in names}

    def room_left() -> int:
        return width - sum(natural[n] for n in names if n not in _SHRINKABLE) - _GAP * (len(names) - 1)

    # A narrow terminal (80 columns) leaves out the score and the review count before the words give way.
    for optional in _LEFT_OUT_WHEN_NARROW:
        if room_left() < _NARROW_ROOM:
            names.remove(optional)
    room = room_left()
    # Shared on the user's names alone: the sources' names get only what is left once everything else fits.
    widths = _share(room, natural)
    both = max([natural["name"], *(len(m) + 3 + len(t) for m, t in names_of if m and t)])
    widths["name"] = max(widths["name"], min(both, widths["name"] + room - sum(widths.values())))
    for cells, (mine, theirs) in zip(all_cells, names_of, strict=True):
        cells["name"] = _name_cell(mine, theirs, widths["name"])
    table = Table(title=title or None, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for n in names:
        table.add_column(
            n,
            justify="right" if n in ("row", "reviews", "score", "change") else "left",
            # Narrower than the share only on a console too narrow for the rest: rich then narrows the columns
            # that may wrap, and their cells cut instead (_cell).
            no_wrap=n not in _SHRINKABLE,
            overflow="ellipsis",
            max_width=widths.get(n),
        )
    for cells in all_cells:
        table.add_row(*(cells[n] for n in names))
    return table


def print_results(
    console: Console, rows: Sequence[Mapping[str, Any]], options: Mapping[str, Any] | None, title: str = ""
) -> None:
    """The results table of a job with these options, then the demo-data notice when it applies."""
    refresh = bool((options or {}).get("refresh"))
    console.print(results_table(rows, title, width=console.width, refresh=refresh))
    notice = demo_notice(options, rows)
    if notice:
        console.print(notice)


def schedule_lines(s: Mapping[str, Any]) -> list[str]:
    """A schedule (GET /schedules/{id}) in a few lines; its runs are schedule_runs_table."""
    name = f" '{s['name']}'" if s.get("name") else ""
    when = f"every {s['every']}" if s.get("every") else f"cron '{s['cron']}' (UTC)"
    lines = [f"schedule [bold]{s['schedule_id']}[/]{name} ({s['temporal_schedule_id']}): {s['state']}, {when}"]
    lines.append(
        f"  {s['total_rows']} rows from {s.get('filename') or 'a product list'}; every run is a refresh job "
        f"with {_options_text(s.get('options') or {})}"
    )
    if s.get("next_runs"):
        lines.append("  next runs: " + ", ".join(when_text(t) for t in s["next_runs"][:3]))
    if s.get("running"):
        lines.append("  running now: " + ", ".join(s["running"]))
    skipped = f", {s['skipped_overlap']} skipped (the run before was still going)" if s.get("skipped_overlap") else ""
    lines.append(f"  runs so far: {s.get('actions_taken', 0)}{skipped}")
    return lines


def schedule_runs_table(runs: Sequence[Mapping[str, Any]]) -> Table:
    """A schedule's latest jobs, one line each (fits 80 columns: ids are never cut, they are what one copies)."""
    table = Table(
        title="its latest jobs, newest first",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for name in ("job", "status", "rows", "made (UTC)", "took", "previous job"):
        table.add_column(name, justify="right" if name in ("rows", "took") else "left", no_wrap=True)
    for run in runs:
        status = run["status"]
        made = _utc(run["created_at"])
        finished = _utc(run.get("finished_at"))
        table.add_row(
            run["job_id"],
            Text(status, style=STATUS_STYLE.get(status, "")),
            str(run["total_rows"]),
            made.strftime("%Y-%m-%d %H:%M") if made else "",
            _duration((finished - made).total_seconds()) if made and finished else "",
            run.get("previous_job_id") or "",
        )
    return table


def when_text(value: str | None) -> str:
    """An API timestamp as 'YYYY-MM-DD HH:MM:SS UTC'."""
    at = _utc(value)
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else (value or "")


def _utc(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).astimezone(UTC) if value else None
    except ValueError:
        return None


def _options_text(options: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in options.items()) or "no options"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60}m" if seconds < 7200 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
