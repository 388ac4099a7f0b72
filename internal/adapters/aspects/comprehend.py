"""Comprehend's targeted sentiment as aspects: `BatchDetectTargetedSentiment` names the entities each review talks
about, every mention with its offsets and its own sentiment. Same client, signing, batching and retries as the
Comprehend scorer (ComprehendClient). English only: AWS offers targeted sentiment in no other language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from internal.adapters.scorers.comprehend import ComprehendClient
from internal.domain.models import Review
from internal.domain.provided_aspects import Mention, ProviderAnswer
from internal.platform.adapter_settings import ComprehendSettings

OPERATION = "batch_detect_targeted_sentiment"


def mentions_of(review: Review, result: dict[str, Any]) -> list[Mention]:
    """Every mention of one review's result, with Positive - Negative as its sentiment."""
    out = []
    for entity in result.get("Entities") or []:
        for m in entity.get("Mentions") or []:
            scores = (m.get("MentionSentiment") or {}).get("SentimentScore") or {}
            sentiment = float(scores.get("Positive", 0.0)) - float(scores.get("Negative", 0.0))
            start, end = int(m.get("BeginOffset", -1)), int(m.get("EndOffset", -1))
            out.append(Mention(review.review_id, str(m.get("Text") or ""), start, end, round(sentiment, 4)))
    return out


class ComprehendAspects:
    name = "comprehend"

    def __init__(self, client: ComprehendClient) -> None:
        if client.language != "en":
            raise ValueError(
                "ASPECTS=comprehend needs COMPREHEND_LANGUAGE=en (targeted sentiment is English only), "
                f"not {client.language!r}"
            )
        self._client = client

    @classmethod
    def from_settings(cls, settings: ComprehendSettings) -> ComprehendAspects:
        return cls(ComprehendClient.from_settings(settings, needed_by="ASPECTS=comprehend"))

    async def find(self, reviews: Sequence[Review]) -> ProviderAnswer:
        sent = [r for r in reviews if r.text.strip()]  # Comprehend rejects empty documents
        results = await self._client.batch(OPERATION, [r.text for r in sent])
        mentions = [m for review, result in zip(sent, results, strict=True) for m in mentions_of(review, result)]
        return ProviderAnswer(self.name, mentions=tuple(mentions))

    async def aclose(self) -> None:
        return None
