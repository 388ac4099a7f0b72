"""What a scorer is: sentiment for a batch of reviews, same order and length as given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from internal.domain.models import Review, ReviewScore


class ScorerError(Exception):
    """Transient (throttling, 5xx): worth retrying with backoff; `retry_after` in seconds when the API says."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentScorerError(Exception):
    """Retrying cannot help (bad credentials, unsupported language)."""


class Scorer(Protocol):
    name: str

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]: ...


@runtime_checkable
class Summarizer(Protocol):
    """A scorer that can also say, in a sentence or three, what customers praise and complain about."""

    async def summarize(self, product: str, reviews: Sequence[Review]) -> str | None: ...


@runtime_checkable
class SentenceScorer(Protocol):
    """A scorer that scores one sentence cheaply (a lexicon, no model, no network): the findings of a product
    (internal/enrichment/findings_step.py) score each sentence with it. Slow or remote scorers do not implement it,
    and then each sentence takes its review's score."""

    def score_sentence(self, text: str) -> float: ...
