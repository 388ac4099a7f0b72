"""A fake AWS Comprehend speaking the real JSON 1.1 wire format (moto does not implement batch sentiment).

It enforces the real limits (25 documents, 5,000 bytes each, no empty documents, supported languages), so a
scorer that forgets to batch or truncate fails here as it would against AWS. Scoring is a small word lexicon.

`BatchDetectTargetedSentiment` (English only, as AWS) names as targets every word after a determiner ("the
battery", "my kettle") and every "it" and "I", grouped into entities by their lower-cased text; each mention's
sentiment is the lexicon's on its clause (the sentence up to or from a "but"), with the real offsets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import serve_app

TARGET = "Comprehend_20171127.BatchDetectSentiment"
TARGETED = "Comprehend_20171127.BatchDetectTargetedSentiment"
FAIL_MARKER = "[[fail]]"
LANGUAGES = {"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"}
POSITIVE = {"great", "good", "love", "excellent", "amazing", "perfect", "happy", "best", "fantastic", "wonderful"}
NEGATIVE = {"bad", "terrible", "awful", "hate", "broken", "worst", "poor", "disappointed", "useless", "refund"}
_WORDS = re.compile(r"[a-z]+")
_ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
_TARGETS = re.compile(r"\b(?:the|my|this|its|their)\s+([A-Za-z]+)|\b(it|I)\b", re.IGNORECASE)


def lexicon_sentiment(text: str) -> tuple[str, dict[str, float]]:
    words = _WORDS.findall(text.lower())
    pos, neg = sum(w in POSITIVE for w in words), sum(w in NEGATIVE for w in words)
    if pos and neg:
        return "MIXED", {"Positive": 0.2, "Negative": 0.2, "Neutral": 0.1, "Mixed": 0.5}
    if pos:
        strong = min(0.99, 0.7 + 0.1 * pos)
        return "POSITIVE", {"Positive": strong, "Negative": 0.01, "Neutral": 0.99 - strong, "Mixed": 0.0}
    if neg:
        strong = min(0.99, 0.7 + 0.1 * neg)
        return "NEGATIVE", {"Positive": 0.01, "Negative": strong, "Neutral": 0.99 - strong, "Mixed": 0.0}
    return "NEUTRAL", {"Positive": 0.05, "Negative": 0.05, "Neutral": 0.9, "Mixed": 0.0}


def _clause_at(text: str, offset: int) -> str:
    """The clause around `offset`: its sentence, cut at "but"."""
    start = max(text.rfind(c, 0, offset) for c in ".!?") + 1
    ends = [i for i in (text.find(c, offset) for c in ".!?") if i >= 0]
    sentence_end = min(ends) if ends else len(text)
    cut = text.lower().find(" but ", start, sentence_end)
    if cut < 0:
        return text[start:sentence_end]
    return text[start:cut] if offset < cut else text[cut:sentence_end]


def targeted(text: str) -> list[dict[str, Any]]:
    """One document's Entities, as BatchDetectTargetedSentiment answers them."""
    entities: dict[str, list[dict[str, Any]]] = {}
    for match in _TARGETS.finditer(text):
        group = 1 if match.group(1) else 2
        word, begin, end = match.group(group), match.start(group), match.end(group)
        sentiment, scores = lexicon_sentiment(_clause_at(text, begin))
        mention = {
            "Score": 0.99,
            "GroupScore": 1.0,
            "Text": word,
            "Type": "PERSON" if word == "I" else "OTHER",
            "MentionSentiment": {"Sentiment": sentiment, "SentimentScore": scores},
            "BeginOffset": begin,
            "EndOffset": end,
        }
        entities.setdefault(word.lower(), []).append(mention)
    return [{"DescriptiveMentionIndex": [0], "Mentions": m} for m in entities.values()]


def _error(code: str, message: str, status: int = 400) -> Response:
    return JSONResponse(
        {"__type": code, "message": message}, status_code=status, media_type="application/x-amz-json-1.1"
    )


@dataclass
class FakeComprehend:
    """Knobs tests turn: `throttle` upcoming calls, documents containing FAIL_MARKER fail `fail_times` times
    each (a partial ErrorList), `access_keys` accepted (None = any). `requests` holds every TextList sent."""

    throttle: int = 0
    throttle_code: str = "ThrottlingException"
    fail_times: int = 1
    access_keys: set[str] | None = None
    languages: set[str] = field(default_factory=lambda: set(LANGUAGES))
    requests: list[list[str]] = field(default_factory=list)
    targeted_requests: list[list[str]] = field(default_factory=list)
    targeted_status: int = 200  # anything else: every BatchDetectTargetedSentiment call fails with it
    calls: int = 0
    _failed: dict[str, int] = field(default_factory=dict)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        self.calls += 1
        target = request.headers.get("x-amz-target")
        if target not in (TARGET, TARGETED):
            return _error("UnknownOperationException", f"unexpected target {request.headers.get('x-amz-target')}")
        if not request.headers.get("content-type", "").startswith("application/x-amz-json-1.1"):
            return _error("SerializationException", "expected application/x-amz-json-1.1")
        key = _ACCESS_KEY.search(request.headers.get("authorization", ""))
        if key is None:
            return _error("MissingAuthenticationTokenException", "request is not signed", 403)
        if self.access_keys is not None and key.group(1) not in self.access_keys:
            return _error("UnrecognizedClientException", "The security token included in the request is invalid.")
        if self.throttle > 0:
            self.throttle -= 1
            return _error(self.throttle_code, "Rate exceeded")
        body: dict[str, Any] = json.loads(await request.body())
        texts: list[str] = body.get("TextList", [])
        if target == TARGETED:
            self.targeted_requests.append(list(texts))
            if self.targeted_status != 200:
                return _error("InternalServerException", "service unavailable", self.targeted_status)
            if body.get("LanguageCode") != "en":
                return _error("UnsupportedLanguageException", "targeted sentiment supports English only")
        else:
            self.requests.append(list(texts))
        return self._answer(texts, str(body.get("LanguageCode", "")), target == TARGETED)

    def _answer(self, texts: list[str], language: str, targeted_sentiment: bool = False) -> Response:
        if language not in self.languages:
            return _error("UnsupportedLanguageException", f"language {language!r} is not supported")
        if not texts:
            return _error("InvalidRequestException", "TextList must not be empty")
        if len(texts) > 25:
            return _error("BatchSizeLimitExceededException", f"{len(texts)} documents; the limit is 25")
        for text in texts:
            if not text:
                return _error("InvalidRequestException", "a document is empty")
            if len(text.encode("utf-8")) > 5000:
                return _error("TextSizeLimitExceededException", "a document is larger than 5000 bytes")
        results, errors = [], []
        for index, text in enumerate(texts):
            if FAIL_MARKER in text and self._failed.get(text, 0) < self.fail_times:
                self._failed[text] = self._failed.get(text, 0) + 1
                errors.append({"Index": index, "ErrorCode": "INTERNAL_SERVER_ERROR", "ErrorMessage": "try again"})
                continue
            if targeted_sentiment:
                results.append({"Index": index, "Entities": targeted(text)})
                continue
            sentiment, scores = lexicon_sentiment(text)
            results.append({"Index": index, "Sentiment": sentiment, "SentimentScore": scores})
        return JSONResponse({"ResultList": results, "ErrorList": errors}, media_type="application/x-amz-json-1.1")


@contextmanager
def served_as_aws(monkeypatch: pytest.MonkeyPatch, nowhere: Path) -> Iterator[FakeComprehend]:
    """A fake Comprehend reached through the standard AWS variables alone, as production finds AWS: no endpoint or
    keys of the service's own, and nothing of this machine's AWS set-up (`nowhere` stands for its files)."""
    fake = FakeComprehend()
    with serve_app(fake.app) as url:
        for name, value in {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(nowhere),
            "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
            "AWS_EC2_METADATA_DISABLED": "true",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield fake
