"""What an aspect provider is (ASPECTS=comprehend|gemini): it reads a product's reviews and answers with what it
found in them; internal/domain/provided_aspects.py checks the answer and computes the aspects from it.

It raises ScorerError or PermanentScorerError (internal/adapters/scorers/base.py) when it cannot answer, after its
own client's retries; the findings then fall back to the offline aspects and say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from internal.domain.models import Review
from internal.domain.provided_aspects import ProviderAnswer


class AspectProvider(Protocol):
    name: str

    async def find(self, reviews: Sequence[Review]) -> ProviderAnswer: ...

    async def aclose(self) -> None: ...
