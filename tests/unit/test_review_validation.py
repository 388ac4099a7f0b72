"""The one review validation (internal/domain/review_validation.py): each bad review gets its exact reason."""

from __future__ import annotations

from typing import Any

import pytest

from internal.domain.review_validation import PULL_REQUIRED, Rejection, ValidReview, validate_review

GOOD: dict[str, Any] = {
    "review_id": "r1",
    "product_id": "P1",
    "user_id": "u1",
    "text": "Works well.",
    "rating": 4,
    "timestamp": "2026-01-02T03:04:05Z",
}


def test_a_good_review_passes_with_its_timestamp_normalised() -> None:
    assert validate_review(GOOD) == ValidReview(
        review_id="r1",
        product_id="P1",
        user_id="u1",
        text="Works well.",
        rating=4.0,
        timestamp="2026-01-02T03:04:05+00:00",
    )
    assert isinstance(validate_review({**GOOD, "rating": 0, "review_id": 17}), ValidReview)
    assert isinstance(validate_review({**GOOD, "timestamp": "2026-01-02"}), ValidReview)


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"rating": 6}, "rating_out_of_range", "rating: 6 is outside 0..5"),
        ({"rating": -1}, "rating_out_of_range", "rating: -1 is outside 0..5"),
        ({"rating": "five"}, "rating_not_a_number", "rating: 'five' is not a number"),
        ({"rating": "4"}, "rating_not_a_number", "rating: '4' is not a number"),
        ({"rating": True}, "wrong_type", "rating: expected a number, got a boolean"),
        ({"rating": None}, "missing_field", "rating: missing"),
        ({"text": ""}, "empty_field", "text: empty"),
        ({"text": 42}, "wrong_type", "text: expected a string, got a number"),
        ({"text": "x" * 1_000_000}, "too_long", "text: 1000000 characters, at most 20000"),
        ({"product_id": {"id": 1}}, "wrong_type", "product_id: expected a string, got an object"),
        ({"user_id": None}, "missing_field", "user_id: missing"),
        ({"review_id": 1.5}, "wrong_type", "review_id: expected a string, got a number"),
        ({"timestamp": "yesterday"}, "bad_timestamp", "timestamp: 'yesterday' is not an ISO 8601 date or time"),
        ({"timestamp": "2026-13-01"}, "bad_timestamp", "timestamp: '2026-13-01' is not an ISO 8601 date or time"),
        ({"timestamp": 1700000000}, "wrong_type", "timestamp: expected an ISO 8601 string, got a number"),
    ],
)
def test_each_bad_field_has_its_reason(change: dict[str, Any], reason: str, message: str) -> None:
    outcome = validate_review({**GOOD, **change})
    assert isinstance(outcome, Rejection)
    assert (outcome.reason, outcome.message) == (reason, message)


def test_not_an_object() -> None:
    assert validate_review(["a"]) == Rejection("not_an_object", "a review must be a JSON object, got an array")


def test_pulled_reviews_need_less_but_obey_the_same_rules() -> None:
    pulled = {"review_id": "r", "text": "fine", "rating": "4.5"}
    ok = validate_review(pulled, required=PULL_REQUIRED, lenient_numbers=True)
    assert isinstance(ok, ValidReview) and ok.rating == 4.5
    bad = validate_review({**pulled, "rating": 6}, required=PULL_REQUIRED, lenient_numbers=True)
    assert isinstance(bad, Rejection) and bad.reason == "rating_out_of_range"
    no_text = validate_review({"review_id": "r", "text": ""}, required=PULL_REQUIRED, lenient_numbers=True)
    assert isinstance(no_text, Rejection) and no_text.reason == "empty_field"
