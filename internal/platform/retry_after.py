"""One rule for every HTTP call we retry (review sources, scorers, alert receivers): which answers are worth another
try, what a `Retry-After` header says, and how that becomes the next attempt's delay in Temporal.

Below the families and the adapters on purpose (tests/unit/test_layout.py): enrichment and alerts both raise
retryable activity failures, and adapters read the header; none of them keeps its own copy.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

# A Retry-After beyond this is more likely a misconfigured server than a real request: cap the wait.
MAX_RETRY_AFTER = 300.0
# Client errors that mean "not now" rather than "never": timeout, too early, too many requests. Every 5xx too.
_TRANSIENT_4XX = frozenset({408, 425, 429})


def transient_status(code: int) -> bool:
    """An HTTP answer worth trying again (the server is busy, down or asks us to slow down)."""
    return code >= 500 or code in _TRANSIENT_4XX


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (one in the past, or a negative
    number, is 0); None when absent or unreadable. Not capped: this is what the server said (see retry_delay)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def retry_delay(retry_after: float | None) -> timedelta | None:
    """The next attempt's delay a server asked for, capped at MAX_RETRY_AFTER; None (nothing asked, or 0) leaves
    the retry policy's own backoff."""
    if not retry_after or retry_after <= 0:
        return None
    return timedelta(seconds=min(retry_after, MAX_RETRY_AFTER))


def retry_later(
    message: str,
    *,
    type: str,
    retry_after: float | None,
    category: ApplicationErrorCategory = ApplicationErrorCategory.UNSPECIFIED,
) -> ApplicationError:
    """A retryable activity failure; a server's Retry-After replaces the policy's backoff for the next attempt
    (Temporal's `next_retry_delay`), however short the policy's own interval."""
    return ApplicationError(message, type=type, next_retry_delay=retry_delay(retry_after), category=category)
