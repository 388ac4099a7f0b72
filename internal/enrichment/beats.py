"""Heartbeats and the failures of a source or scorer call, shared by the per-row activities (fetching.py,
enrichment.py, feedback.py).

A product not found or a 503 that the retry policy absorbs is an expected outcome, not a bug: it is raised as a
BENIGN ApplicationError, which the SDK logs at DEBUG (with its traceback) instead of a WARNING with two chained
tracebacks, and gets one line of its own here. Anything else an activity raises is unexpected and keeps the SDK's
WARNING with its traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from internal.adapters.sources.base import ProductNotFound
from internal.platform.retry_after import retry_delay, retry_later

# While a slow call (an LLM round trip) runs. An activity hears of its cancel only in a heartbeat's reply, so this
# is how long a cancelled job can go on queueing paid scorer calls; each heartbeat sent is a billed action.
HEARTBEAT_EVERY = 5.0
T = TypeVar("T")

log = logging.getLogger(__name__)


def local() -> bool:
    """True in a local activity, and outside any activity (unit tests and the benchmark's in-process baseline,
    bench/channel_enricher.py, call these methods directly)."""
    return not activity.in_activity() or activity.info().is_local


def heartbeat(*details: Any) -> None:
    # Local activities cannot heartbeat (the SDK keeps their workflow task alive instead).
    if not local():
        activity.heartbeat(*details)


async def heartbeating(call: Awaitable[T], *details: Any) -> T:
    """Await a slow call (an LLM round trip with its own retries) while telling the server we are alive."""
    task = asyncio.ensure_future(call)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY)
            if done:
                return task.result()
            heartbeat(*details)
    finally:
        task.cancel()  # no-op when done; stops the call when the activity itself is cancelled


def transient(err: Exception, retry_after: float | None) -> ApplicationError:
    """A retryable failure; a server's Retry-After replaces the policy's backoff for the next attempt (the rule and
    its cap: internal/platform/retry_after.py)."""
    delay = retry_delay(retry_after)
    after = f" after {delay.total_seconds():g} s as the server asked" if delay else ""
    log.warning("%s: %s", err, _next_step(after))
    return retry_later(
        str(err), type=type(err).__name__, retry_after=retry_after, category=ApplicationErrorCategory.BENIGN
    )


def permanent(err: Exception) -> ApplicationError:
    """A failure retrying cannot help (product not found, credentials rejected): the row fails with the message
    as its reason. A product that does not exist is data, not trouble (INFO); anything else is worth a look."""
    log.log(
        logging.INFO if isinstance(err, ProductNotFound) else logging.WARNING, "%s: the row fails (not retried)", err
    )
    return ApplicationError(
        str(err), non_retryable=True, type=type(err).__name__, category=ApplicationErrorCategory.BENIGN
    )


def _next_step(after: str) -> str:
    """What happens after this attempt, from the activity's retry policy (outside an activity: the caller's)."""
    if not activity.in_activity():
        return "retrying" + after
    info = activity.info()
    most = info.retry_policy.maximum_attempts if info.retry_policy else 0
    if most and info.attempt >= most:
        return f"attempt {info.attempt} of {most}, none left: the row fails"
    return f"retrying{after} (attempt {info.attempt}{f' of {most}' if most else ''} failed)"
