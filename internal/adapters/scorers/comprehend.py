"""AWS Comprehend: a managed sentiment model, priced per document (docs/scorers.md has the costs and limits).

`BatchDetectSentiment` takes at most 25 documents of at most 5,000 UTF-8 bytes each, one language per call, and
answers per document by `Index` — a partial failure is normal and only the failed documents are sent again.
boto3 is synchronous, so each call runs in a thread to keep the worker's event loop (and heartbeats) free.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from internal.adapters.scorers.base import PermanentScorerError, ScorerError
from internal.domain.models import Label, Review, ReviewScore
from internal.platform.adapter_settings import ComprehendSettings

MAX_BATCH = 25
# The API reference says each document must be "fewer than 5,000 bytes"; one byte of margin costs nothing.
MAX_BYTES = 4999
# Languages BatchDetectSentiment accepts (botocore's LanguageCode enum); checked up front so a typo in
# COMPREHEND_LANGUAGE fails at startup, not on the first product.
LANGUAGES = frozenset({"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"})

_THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException", "ProvisionedThroughputExceededException"})
_BAD_CREDENTIALS = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
    }
)
_BAD_INPUT = frozenset(
    {
        "UnsupportedLanguageException",
        "TextSizeLimitExceededException",
        "BatchSizeLimitExceededException",
        "InvalidRequestException",
    }
)
_LABELS: dict[str, Label] = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEUTRAL": "neutral", "MIXED": "mixed"}
# A sentence end followed by space, or a line break: the last one inside the byte budget is where we cut.
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’)\]]*\s+|\n+")
# Cutting at a sentence boundary is only worth it if it keeps most of the budget; one early full stop
# should not throw away 4 KB of review.
_MIN_KEPT = 0.5


def fit_bytes(text: str, limit: int = MAX_BYTES) -> str:
    """`text` cut to at most `limit` UTF-8 bytes: at a sentence end when one is near the limit, else at a
    character boundary (a multi-byte character is never split)."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    # A prefix of valid UTF-8 is valid except for a possibly cut last character, which "ignore" drops.
    head = raw[:limit].decode("utf-8", errors="ignore")
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and len(head[: ends[-1]].encode("utf-8")) >= _MIN_KEPT * limit:
        return head[: ends[-1]].rstrip()
    return head


def _env_region() -> str | None:
    # botocore reads only AWS_DEFAULT_REGION; AWS_REGION is what the other AWS SDKs and Lambda/ECS set.
    return os.environ.get("AWS_REGION") or None


def _client_error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", "")).rpartition("#")[2]


def _translate(err: Exception) -> Exception:
    """A boto error as ours: transient (retry with backoff) or permanent (retrying cannot help)."""
    if isinstance(err, NoCredentialsError):
        return PermanentScorerError("no AWS credentials found for comprehend")
    if isinstance(err, ClientError):
        code = _client_error_code(err)
        message = str(err.response.get("Error", {}).get("Message", "")) or code
        if code in _THROTTLED:
            return ScorerError(f"comprehend throttled: {message}")
        if code in _BAD_CREDENTIALS:
            return PermanentScorerError("credentials rejected by comprehend")
        if code in _BAD_INPUT:
            return PermanentScorerError(f"comprehend rejected the request ({code}): {message}")
        return ScorerError(f"comprehend failed ({code or 'unknown error'}): {message}")
    # Connection refused, timeouts, a truncated reply: the network's fault, worth another try.
    return ScorerError(f"comprehend unreachable: {err}")


def _score_from(result: dict[str, Any], review_id: str, scorer: str) -> ReviewScore:
    scores = result.get("SentimentScore", {})
    label = _LABELS.get(str(result.get("Sentiment")), "neutral")
    positive, negative = float(scores.get("Positive", 0.0)), float(scores.get("Negative", 0.0))
    return ReviewScore(
        review_id=review_id,
        sentiment=round(max(-1.0, min(1.0, positive - negative)), 4),
        label=label,
        confidence=round(max(0.0, min(1.0, float(scores.get(label.capitalize(), 0.0)))), 4),
        scorer=scorer,
    )


class ComprehendClient:
    """A signed boto3 Comprehend client and the batch rules every batch operation shares: documents cut to the
    byte limit, 25 per call, only the ones in the ErrorList sent again. Used by the scorer (BatchDetectSentiment)
    and the aspect provider (BatchDetectTargetedSentiment, internal/adapters/aspects/comprehend.py)."""

    def __init__(
        self,
        *,
        language: str = "en",
        region_name: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = 3,
        document_attempts: int = 3,
        document_retry_delay: float = 0.5,
    ) -> None:
        """`endpoint_url` None lets boto3 resolve it (AWS_ENDPOINT_URL included); credentials and region come
        from the standard AWS chain unless `region_name` is given."""
        if language not in LANGUAGES:
            raise ValueError(f"comprehend cannot score sentiment in {language!r}; supported: {sorted(LANGUAGES)}")
        self.language = language
        self._document_attempts = max(1, document_attempts)
        self._document_retry_delay = document_retry_delay
        # Few attempts on purpose: the activity retries with Temporal's backoff (and survives a worker restart),
        # so botocore only smooths over a single blip instead of sleeping for minutes inside one attempt.
        config = Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=5,
            read_timeout=30,
            max_pool_connections=20,
        )
        # Clients are thread-safe once built; building one is not, so it happens here, once.
        self._client: Any = boto3.session.Session().client(
            "comprehend", region_name=region_name or _env_region(), endpoint_url=endpoint_url, config=config
        )

    @classmethod
    def from_settings(cls, settings: ComprehendSettings, needed_by: str = "SCORER=comprehend") -> ComprehendClient:
        session = boto3.session.Session()
        if not (session.region_name or _env_region()):
            raise ValueError(f"{needed_by} needs AWS_REGION (or AWS_DEFAULT_REGION, or a region in AWS_PROFILE)")
        if session.get_credentials() is None:
            raise ValueError(
                f"{needed_by} needs AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "AWS_PROFILE, or an instance/task role"
            )
        try:
            return cls(language=settings.language)
        except ValueError as err:
            raise ValueError(f"COMPREHEND_LANGUAGE: {err}") from None

    async def batch(self, operation: str, texts: Sequence[str]) -> list[dict[str, Any]]:
        """`operation` (the boto3 method, e.g. "batch_detect_sentiment") over non-empty texts: one result per
        text, in order, sequentially in batches of 25 (the default quotas are a few calls per second per account,
        and other activities on this worker share them)."""
        out: list[dict[str, Any]] = []
        for start in range(0, len(texts), MAX_BATCH):
            out += await self._detect(operation, [fit_bytes(t) for t in texts[start : start + MAX_BATCH]])
        return out

    async def _detect(self, operation: str, texts: list[str]) -> list[dict[str, Any]]:
        """One result per text, retrying only the documents Comprehend reported in its ErrorList."""
        results: dict[int, dict[str, Any]] = {}
        todo = list(range(len(texts)))
        errors: list[dict[str, Any]] = []
        for attempt in range(self._document_attempts):
            if attempt:
                await asyncio.sleep(self._document_retry_delay * attempt)
            reply = await self._call(operation, [texts[i] for i in todo])
            for item in reply.get("ResultList", []):
                results[todo[int(item["Index"])]] = item
            errors = list(reply.get("ErrorList", []))
            # Anything neither answered nor reported goes round again too, rather than vanishing.
            todo = [i for i in todo if i not in results]
            if not todo:
                return [results[i] for i in range(len(texts))]
        reasons = sorted({f"{e.get('ErrorCode')}: {e.get('ErrorMessage')}" for e in errors})
        raise ScorerError(
            f"comprehend failed {len(todo)} document(s) after {self._document_attempts} attempts: {'; '.join(reasons)}"
        )

    async def _call(self, operation: str, texts: list[str]) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = await asyncio.to_thread(
                getattr(self._client, operation), TextList=texts, LanguageCode=self.language
            )
        except (ClientError, BotoCoreError) as err:
            raise _translate(err) from err
        return reply


class ComprehendScorer:
    def __init__(self, *, name: str = "comprehend", client: ComprehendClient | None = None, **options: Any) -> None:
        """`options`: ComprehendClient's (language, region_name, endpoint_url, retries), unless `client` is given."""
        self.name = name
        self._comprehend = client or ComprehendClient(**options)

    @classmethod
    def from_settings(cls, settings: ComprehendSettings) -> ComprehendScorer:
        return cls(client=ComprehendClient.from_settings(settings))

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        out: list[ReviewScore | None] = [None] * len(reviews)
        pending: list[int] = []
        for i, review in enumerate(reviews):
            if review.text.strip():
                pending.append(i)
            else:
                # Comprehend rejects empty documents; there is nothing to judge, so say so with no confidence.
                out[i] = ReviewScore(review.review_id, 0.0, "neutral", 0.0, self.name)
        results = await self._comprehend.batch("batch_detect_sentiment", [reviews[i].text for i in pending])
        for i, result in zip(pending, results, strict=True):
            out[i] = _score_from(result, reviews[i].review_id, self.name)
        return [s for s in out if s is not None]
