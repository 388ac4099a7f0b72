"""Transient adapter errors become retryable activity failures; a server's Retry-After sets the next delay."""

from __future__ import annotations

from datetime import timedelta

from internal.adapters.scorers.base import ScorerError
from internal.adapters.sources.base import SourceError
from internal.enrichment.beats import transient as _transient
from internal.platform.retry_after import MAX_RETRY_AFTER


def test_retry_after_becomes_the_next_retry_delay() -> None:
    err = _transient(SourceError("429 from walmart", retry_after=7.5), 7.5)
    assert not err.non_retryable and err.next_retry_delay == timedelta(seconds=7.5)
    assert err.type == "SourceError" and "429" in err.message


def test_without_retry_after_the_policy_backoff_applies() -> None:
    err = _transient(ScorerError("throttled"), None)
    assert not err.non_retryable and err.next_retry_delay is None


def test_an_absurd_retry_after_is_capped() -> None:
    err = _transient(SourceError("slow down", retry_after=86_400), 86_400)
    assert err.next_retry_delay == timedelta(seconds=MAX_RETRY_AFTER)
