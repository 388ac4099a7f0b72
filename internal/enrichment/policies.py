"""Retry policies and timeouts of the workflows' steps, each defined once: EnrichmentWorkflow's, and the database retry
every workflow uses (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TypeVar

from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

T = TypeVar("T")

# Sources rate-limit and flake: back off up to a minute, give up after ten tries (then the row fails).
FETCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=10,
)
SCORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=8,
)
# Every workflow's bookkeeping activities (PostgreSQL writes): retried until the database is back, never given up.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
# The alert announce at a job's or a scheduled run's end: database work like DB_RETRY, but bounded, because the
# job must end even when its alerts cannot be announced.
ANNOUNCE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30), maximum_attempts=8
)
# A fetch attempt heartbeats once it runs long; a silent worker is noticed after this.
FETCH_HEARTBEAT_TIMEOUT = timedelta(seconds=30)
# Per page of the attempt's budget: a slow source gets longer, a hung one is still cut off.
FETCH_TIMEOUT_PER_PAGE = timedelta(seconds=60)


def configured(kind: str, name: str, available: Mapping[str, T]) -> T:
    """The `kind` adapter (review source, scorer) called `name` on this worker. One it does not have fails the
    activity for good: a retry on the same worker cannot help, and the row fails naming what the worker has."""
    try:
        return available[name]
    except KeyError:
        raise ApplicationError(
            f"{kind} {name!r} is not configured on this worker (have: {', '.join(available)})",
            non_retryable=True,
            type="InvalidInput",
        ) from None
