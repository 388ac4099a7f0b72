"""The service's own worker metrics, on the SDK's Prometheus endpoint (WORKER_METRICS_PORT, docs/operations.md).

Recorded through the activity's metric meter, so each carries the SDK's labels (namespace, task queue, activity
type) beside ours, and one scrape shows both. Outside an activity (the benchmark's in-process baseline,
bench/channel_enricher.py, calls the same code directly) nothing is recorded; with WORKER_METRICS_PORT unset the
SDK's meter discards them.
"""

from __future__ import annotations

import re

from temporalio import activity
from temporalio.common import MetricMeter

from internal.adapters.scorers.base import PermanentScorerError
from internal.adapters.sources.base import CredentialsRejected, PermanentSourceError, ProductNotFound, SourceError

_HTTP_STATUS = re.compile(r"HTTP (\d)\d\d")


def _meter() -> MetricMeter | None:
    return activity.metric_meter() if activity.in_activity() else None


def row_finished(status: str) -> None:
    """A row reached a terminal status (rate() of this is the worker's rows/s)."""
    if (meter := _meter()) is not None:
        meter.create_counter("enrichment_rows_finished", "rows that reached a terminal status").add(
            1, {"status": status}
        )


def fetch_page(source: str, err: BaseException | None, reviews: int = 0) -> None:
    """One page asked of a source: its outcome (ok, 4xx, 5xx, timeout, error) and the reviews it brought."""
    if (meter := _meter()) is None:
        return
    meter.create_counter("enrichment_source_requests", "pages asked of a review source").add(
        1, {"source": source, "outcome": source_outcome(err)}
    )
    if reviews:
        meter.create_counter("enrichment_reviews_stored", "reviews newly stored").add(reviews, {"source": source})


def scorer_call(scorer: str, err: BaseException | None, seconds: float) -> None:
    """One call of a scorer on a batch of reviews, and how long it took."""
    if (meter := _meter()) is None:
        return
    outcome = "ok" if err is None else ("permanent" if isinstance(err, PermanentScorerError) else "transient")
    attrs = {"scorer": scorer, "outcome": outcome}
    meter.create_counter("enrichment_scorer_calls", "scorer calls on a batch of reviews").add(1, attrs)
    meter.create_histogram_float("enrichment_scorer_seconds", "scorer call latency", "s").record(seconds, attrs)


def source_outcome(err: BaseException | None) -> str:
    if err is None:
        return "ok"
    if isinstance(err, ProductNotFound | CredentialsRejected):
        return "4xx"
    if isinstance(err, SourceError | PermanentSourceError):
        text = str(err)
        if "timed out" in text:
            return "timeout"
        if found := _HTTP_STATUS.search(text):
            return f"{found.group(1)}xx"
    return "error"
