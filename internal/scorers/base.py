"""What a scorer is: sentiment for a batch of reviews, same order and length as given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from internal.domain.models import Review, ReviewScore


class ScorerError(Exception):
    """Transient (throttling, 5xx): worth retrying with backoff."""


class PermanentScorerError(Exception):
    """Retrying cannot help (bad credentials, unsupported language)."""


class Scorer(Protocol):
    name: str

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]: ...
