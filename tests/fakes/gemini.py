"""A fake Gemini `generateContent` endpoint with the real request and response shapes.

It reads the JSON document the scorer sends as the user message (a list of indexed reviews, or a product
with sample reviews when the response schema asks for a `summary`) and answers with a lexicon verdict inside
`candidates[0].content.parts[0].text`, as the real API does for `responseMimeType: application/json`.

Asked for `aspects` (the aspect provider), it answers honestly about the KEYWORDS its reviews contain (a count of
the reviews naming each, and a sentence of one quoted verbatim) and, with `aspect_lies`, tells three lies a model
tells: a second quote paraphrased rather than copied, an inflated count on its second aspect, and an aspect no
review mentions, with an invented quote (LIES says how many claims that makes, by reason).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.comprehend import lexicon_sentiment

Reply = Literal["ok", "invalid_json", "partial", "no_candidates"]
KEYWORDS = ("battery", "shipping", "instructions", "price")
INVENTED = "warp drive"
# The claims `aspect_lies` adds that a checker must drop: two quotes not in their review, one count above what the
# reviews say, one aspect that no review mentions.
LIES = {"quote_not_verbatim": 2, "count_inflated": 1, "no_mentions": 1}
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def _status(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=code)


def _verdicts(reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for review in reviews:
        label, scores = lexicon_sentiment(str(review["text"]))
        out.append(
            {
                "index": review["index"],
                "sentiment": round(scores["Positive"] - scores["Negative"], 4),
                "label": label.lower(),
                "confidence": max(scores.values()),
            }
        )
    return out


def _aspects(reviews: list[dict[str, Any]], lies: bool) -> list[dict[str, Any]]:
    claims: list[dict[str, Any]] = []
    for word in KEYWORDS:
        naming = [(int(r["index"]), str(r["text"])) for r in reviews if word in str(r["text"]).lower()]
        if not naming:
            continue
        index, text = naming[0]
        sentence = next(s for s in _SENTENCES.split(text) if word in s.lower())
        claims.append({"name": word, "mentions": len(naming), "quotes": [{"review": index, "text": sentence}]})
    if lies and len(claims) >= 2:
        index, text = next((int(r["index"]), str(r["text"])) for r in reviews if KEYWORDS[0] in str(r["text"]).lower())
        claims[0]["quotes"].append({"review": index, "text": "Reviewers felt that " + text.lower()})
        claims[1]["mentions"] += 100
        claims.append({"name": INVENTED, "mentions": 7, "quotes": [{"review": 0, "text": "The warp drive is superb."}]})
    return claims


def _summary(product: str, texts: list[str]) -> str:
    labels = [lexicon_sentiment(t)[0] for t in texts]
    return (
        f"Customers of {product} are mostly happy: {labels.count('POSITIVE')} reviews praise it. "
        f"{labels.count('NEGATIVE')} complain about it. The rest are neutral. This fourth sentence is extra."
    )


@dataclass
class FakeGemini:
    """Knobs: `reply` shape, `fail_429` upcoming calls answered 429 (with `retry_delay` as RetryInfo),
    `bad_key_status` for a wrong `x-goog-api-key` (401, or 400 API_KEY_INVALID as the real API sends),
    `models` that exist, `delay` before every answer.
    `requests` holds (path, body) of every call that passed the key check."""

    api_key: str = "test-key"
    reply: Reply = "ok"
    fail_429: int = 0
    retry_delay: str | None = None
    bad_key_status: Literal[400, 401] = 401
    aspect_lies: bool = True
    models: set[str] | None = None  # None = any model name exists
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    calls: int = 0
    delay: float = 0.0  # seconds before each answer: a slow model
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of every call

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{version:str}/models/{target:str}", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        self.calls += 1
        self.arrivals.append(time.monotonic())
        version, target = request.path_params["version"], request.path_params["target"]
        model, _, method = str(target).partition(":")
        if version not in ("v1", "v1beta") or method != "generateContent" or not model:
            return _status(404, "NOT_FOUND", f"no such method {request.url.path}")
        if self.models is not None and model not in self.models:
            return _status(404, "NOT_FOUND", f"models/{model} is not found for API version {version}")
        if request.headers.get("x-goog-api-key") != self.api_key:
            if self.bad_key_status == 400:
                details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]
                return _status(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details)
            return _status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if self.fail_429 > 0:
            self.fail_429 -= 1
            retry = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": self.retry_delay}]
            return _status(429, "RESOURCE_EXHAUSTED", "Quota exceeded", retry if self.retry_delay else None)
        body: dict[str, Any] = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.requests.append((request.url.path, body))
        return JSONResponse(self._answer(body))

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.reply == "no_candidates":
            # What a safety block looks like: feedback, no candidates.
            return {"promptFeedback": {"blockReason": "SAFETY"}}
        document = json.loads(body["contents"][-1]["parts"][0]["text"])
        schema = body.get("generationConfig", {}).get("responseSchema", {})
        if "summary" in schema.get("properties", {}):
            answer: dict[str, Any] = {"summary": _summary(document["product"], document["reviews"])}
        elif "aspects" in schema.get("properties", {}):
            answer = {"aspects": _aspects(document["reviews"], self.aspect_lies)}
        else:
            verdicts = _verdicts(document)
            answer = {"reviews": verdicts[::2] if self.reply == "partial" else verdicts}
        text = json.dumps(answer)
        if self.reply == "invalid_json":
            text = "Sure! Here are the ratings: " + text[:-3]
        return {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": len(json.dumps(body)) // 4, "candidatesTokenCount": len(text) // 4},
            "modelVersion": "fake-gemini",
        }
