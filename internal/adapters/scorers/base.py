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
