"""Heartbeats and retryable failures, shared by the per-row activities (fetching.py, enrichment.py, feedback.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

# A Retry-After beyond this is more likely a misconfigured server than a real request: cap the wait.
MAX_RETRY_AFTER = 300.0
# While a slow call (an LLM round trip) runs. An activity hears of its cancel only in a heartbeat's reply, so this
# is how long a cancelled job can go on queueing paid scorer calls; each heartbeat sent is a billed action.
HEARTBEAT_EVERY = 5.0
T = TypeVar("T")


def local() -> bool:
    """True in a local activity, and outside any activity (the channel pipeline calls these methods directly)."""
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
    """A retryable failure; a server's Retry-After replaces the policy's backoff for the next attempt."""
    delay = timedelta(seconds=min(retry_after, MAX_RETRY_AFTER)) if retry_after else None
    return ApplicationError(str(err), type=type(err).__name__, next_retry_delay=delay)
