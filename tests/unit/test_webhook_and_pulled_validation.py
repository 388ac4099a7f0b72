"""Webhook signatures (internal/domain/webhook_signature.py) and the pulled side of the one review validation: the
Walmart and HTTP sources hand back what fails it, with the API's own item, instead of dropping it."""

from __future__ import annotations

from internal.adapters.sources.http_json import HttpJsonSource
from internal.adapters.sources.walmart import parse_page
from internal.domain.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify

BODY = b'[{"review_id": "r1"}]'


def test_a_signature_verifies_and_any_change_breaks_it() -> None:
    headers = sign("secret", BODY, now=1_700_000_000)
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert ts == "1700000000" and sig.startswith("sha256=")
    assert verify("secret", BODY, ts, sig, now=1_700_000_010) is None
    assert verify("other", BODY, ts, sig, now=1_700_000_010) == "signature does not match the body"
    assert verify("secret", BODY + b" ", ts, sig, now=1_700_000_010) == "signature does not match the body"
    assert "replay window" in (verify("secret", BODY, ts, sig, now=1_700_000_301) or "")
    assert "missing" in (verify("secret", BODY, None, sig, now=1_700_000_000) or "")
    assert verify("secret", BODY, "yesterday", sig, now=1_700_000_000) == "X-Signature-Timestamp must be Unix seconds"


def test_walmart_reviews_that_fail_validation_are_handed_back() -> None:
    body = {
        "reviews": [
            {"reviewId": "ok", "reviewText": "Works.", "overallRating": {"rating": "5"}},
            {"reviewId": "six", "reviewText": "Too good.", "overallRating": {"rating": "6"}},
            {"reviewId": "empty", "title": "", "reviewText": ""},
        ]
    }
    page = parse_page(body, 1, "123")
    assert [r.review_id for r in page.reviews] == ["ok"]
    assert [(r.review_id, r.reason) for r in page.rejected] == [
        ("six", "rating_out_of_range"),
        ("empty", "empty_field"),
    ]
    assert page.rejected[0].payload == body["reviews"][1]


async def test_http_reviews_without_text_or_with_rating_six_are_handed_back() -> None:
    source = HttpJsonSource("http://127.0.0.1:9/{product_id}?after={cursor}", "simple")
    try:
        kept = source.review("P", {"id": "a", "text": "Fine.", "stars": 4})
        no_text = source.review("P", {"id": "b", "stars": 4})
        six = source.review("P", {"id": "c", "text": "Great", "stars": 6})
        bad_date = source.review("P", {"id": "d", "text": "Great", "created_at": "soon"})
    finally:
        await source.aclose()
    assert getattr(kept, "rating", None) == 4.0
    assert [getattr(r, "reason", None) for r in (no_text, six, bad_date)] == [
        "empty_field",
        "rating_out_of_range",
        "bad_timestamp",
    ]
