"""The one review validation: pushed reviews (POST /api/v1/reviews) and reviews pulled from every source
(internal/adapters/sources/) go through `validate_review`, and what fails goes to the dead-letter store with the
reason code and message returned here (internal/ledger/dead_letters.py). Pure: no I/O, importable anywhere.

A pushed review must carry every field of the schema; a pulled one only what a source can always give (a source
without user ids or dates is not broken), but every field it does carry obeys the same rule. Pulled numbers may
come as strings ("4.5"): sources send them so; a pushed rating must be a JSON number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from internal.domain.models import Review

# Characters of review text we keep at most: a longer text is a dump, not a review (and would cost a scorer call's
# worth of tokens). INGEST_MAX_REVIEW_CHARS may lower or raise it for pushed reviews.
MAX_TEXT_CHARS: Final = 20_000
MAX_ID_CHARS: Final = 200
RATING_MIN: Final = 0.0
RATING_MAX: Final = 5.0

FIELDS: Final = ("review_id", "product_id", "user_id", "text", "rating", "timestamp")
PUSH_REQUIRED: Final = FIELDS
PULL_REQUIRED: Final = ("review_id", "text")

# Reason codes: stable (clients and dead-letter filters branch on them), so a code is never renamed, only added.
NOT_AN_OBJECT: Final = "not_an_object"
MISSING_FIELD: Final = "missing_field"
WRONG_TYPE: Final = "wrong_type"
EMPTY_FIELD: Final = "empty_field"
TOO_LONG: Final = "too_long"
RATING_NOT_A_NUMBER: Final = "rating_not_a_number"
RATING_OUT_OF_RANGE: Final = "rating_out_of_range"
BAD_TIMESTAMP: Final = "bad_timestamp"
# Set by the push service (internal/ingest/batch.py), not here: an NDJSON line that is not JSON.
NOT_JSON: Final = "not_json"
REASONS: Final = (
    NOT_AN_OBJECT,
    MISSING_FIELD,
    WRONG_TYPE,
    EMPTY_FIELD,
    TOO_LONG,
    RATING_NOT_A_NUMBER,
    RATING_OUT_OF_RANGE,
    BAD_TIMESTAMP,
    NOT_JSON,
)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # one of REASONS
    message: str  # names the field and what is wrong with it
    field: str | None = None


@dataclass(frozen=True, slots=True)
class ValidReview:
    review_id: str
    text: str
    product_id: str = ""  # a pulled review's product is the one its source was asked for
    user_id: str | None = None
    rating: float | None = None
    timestamp: str | None = None  # ISO 8601 with an offset (UTC when none was given)

    def to_review(self, source: str) -> Review:
        return Review(review_id=self.review_id, text=self.text, rating=self.rating, date=self.timestamp, source=source)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _identifier(name: str, value: Any) -> str | Rejection:
    # Providers send numeric ids as often as strings; a float, a bool or a structure is not an id.
    if isinstance(value, bool) or not isinstance(value, str | int):
        return Rejection(WRONG_TYPE, f"{name}: expected a string, got {_type(value)}", name)
    text = str(value).strip()
    if len(text) > MAX_ID_CHARS:
        return Rejection(TOO_LONG, f"{name}: {len(text)} characters, at most {MAX_ID_CHARS}", name)
    return text


def _text(value: Any, max_chars: int) -> str | Rejection:
    if not isinstance(value, str):
        return Rejection(WRONG_TYPE, f"text: expected a string, got {_type(value)}", "text")
    text = value.strip()
    if len(text) > max_chars:
        return Rejection(TOO_LONG, f"text: {len(text)} characters, at most {max_chars}", "text")
    return text


def _rating(value: Any, *, lenient: bool) -> float | Rejection:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and lenient:
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    elif not isinstance(value, str):
        return Rejection(WRONG_TYPE, f"rating: expected a number, got {_type(value)}", "rating")
    if number is None or not math.isfinite(number):
        return Rejection(RATING_NOT_A_NUMBER, f"rating: {str(value)[:20]!r} is not a number", "rating")
    if not RATING_MIN <= number <= RATING_MAX:
        return Rejection(RATING_OUT_OF_RANGE, f"rating: {number:g} is outside {RATING_MIN:g}..{RATING_MAX:g}", "rating")
    return number


def parse_timestamp(value: Any) -> str | Rejection:
    """An ISO 8601 date or date-time, as ISO 8601 with an offset (a time without one is taken as UTC)."""
    if not isinstance(value, str):
        return Rejection(WRONG_TYPE, f"timestamp: expected an ISO 8601 string, got {_type(value)}", "timestamp")
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return Rejection(BAD_TIMESTAMP, f"timestamp: {text[:40]!r} is not an ISO 8601 date or time", "timestamp")
    if len(text) == 10:  # a bare date: midnight UTC of that day
        when = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


def validate_review(
    raw: Any,
    *,
    required: tuple[str, ...] = PUSH_REQUIRED,
    lenient_numbers: bool = False,
    max_text_chars: int = MAX_TEXT_CHARS,
) -> ValidReview | Rejection:
    """The review in `raw` (a JSON object) or the first thing wrong with it, checked in FIELDS order."""
    if not isinstance(raw, Mapping):
        return Rejection(NOT_AN_OBJECT, f"a review must be a JSON object, got {_type(raw)}")
    for name in FIELDS:
        if name in required and _missing(raw.get(name)):
            what = "missing" if raw.get(name) is None else "empty"
            return Rejection(MISSING_FIELD if what == "missing" else EMPTY_FIELD, f"{name}: {what}", name)
    found: dict[str, Any] = {}
    for name in ("review_id", "product_id", "user_id"):
        if not _missing(raw.get(name)):
            found[name] = _identifier(name, raw[name])
    if "text" in raw and raw["text"] is not None:
        found["text"] = _text(raw["text"], max_text_chars)
    if not _missing(raw.get("rating")):
        found["rating"] = _rating(raw["rating"], lenient=lenient_numbers)
    if not _missing(raw.get("timestamp")):
        found["timestamp"] = parse_timestamp(raw["timestamp"])
    for name in FIELDS:
        if isinstance(found.get(name), Rejection):
            rejection: Rejection = found[name]
            return rejection
    if not found.get("text"):
        return Rejection(EMPTY_FIELD, "text: empty", "text")
    return ValidReview(**found)


def _type(value: Any) -> str:
    names = {bool: "a boolean", dict: "an object", list: "an array", str: "a string", int: "a number"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, float) else type(value).__name__)
