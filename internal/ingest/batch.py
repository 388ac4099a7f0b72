"""A pushed body as reviews: a JSON array, or NDJSON (one JSON object a line), each validated by the one review
validation (internal/domain/review_validation.py). Pure: the push service stores what this returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from internal.domain.errors import ServiceError
from internal.domain.review_validation import NOT_JSON, Rejection, ValidReview, validate_review

NDJSON_TYPES: Final = ("application/x-ndjson", "application/ndjson", "application/jsonl")


@dataclass(frozen=True)
class Checked:
    received: int
    valid: list[ValidReview]  # first of each review id, in body order
    duplicates_in_batch: int
    rejected: list[tuple[int, Rejection, dict[str, Any]]]  # (position, why, payload)


def items_of(body: bytes, content_type: str, *, max_reviews: int) -> list[Any]:
    """The body's items; an NDJSON line that is not JSON comes as (its rejection, the line as payload)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in NDJSON_TYPES:
        items: list[Any] = []
        for n, line in enumerate(body.decode("utf-8", errors="replace").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError as err:
                items.append((Rejection(NOT_JSON, f"line {n}: not JSON ({err})"), {"line": line[:10_000]}))
    else:
        try:
            data = json.loads(body)
        except ValueError as err:
            raise ServiceError(
                f"the body is not JSON ({err}); send a JSON array of reviews, or NDJSON with "
                "Content-Type: application/x-ndjson",
                status=422,
                code="invalid_body",
            ) from None
        if not isinstance(data, list):
            raise ServiceError(
                f"the body must be a JSON array of reviews, not {type(data).__name__}", status=422, code="invalid_body"
            )
        items = data
    if len(items) > max_reviews:
        raise ServiceError(
            f"{len(items)} reviews in one push; at most {max_reviews} (INGEST_MAX_REVIEWS)",
            status=422,
            code="too_many_reviews",
        )
    return items


def check(items: list[Any], *, max_text_chars: int) -> Checked:
    valid: list[ValidReview] = []
    seen: set[str] = set()
    rejected: list[tuple[int, Rejection, dict[str, Any]]] = []
    duplicates = 0
    for position, item in enumerate(items):
        if isinstance(item, tuple):  # an NDJSON line that is not JSON
            rejected.append((position, item[0], item[1]))
            continue
        outcome = validate_review(item, max_text_chars=max_text_chars)
        if isinstance(outcome, Rejection):
            rejected.append((position, outcome, item if isinstance(item, dict) else {"value": item}))
        elif outcome.review_id in seen:
            duplicates += 1  # a provider's repeat within one batch: stored once, like a retried webhook
        else:
            seen.add(outcome.review_id)
            valid.append(outcome)
    return Checked(len(items), valid, duplicates, rejected)
