"""What the real review sources share: one mapping from HTTP outcomes to source errors (which answers are transient
and what their Retry-After says: internal/platform/retry_after.py, shared with alert delivery), lenient numbers (APIs
send "4.5" as often as 4.5). The stable id for a review that comes without one is in internal/domain/ids.py."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import httpx

from internal.adapters.sources.base import CredentialsRejected, PermanentSourceError, ProductNotFound, SourceError
from internal.domain.models import RejectedReview, Review
from internal.domain.review_validation import PULL_REQUIRED, Rejection, validate_review
from internal.platform.retry_after import parse_retry_after, transient_status

# Connect fails fast (a dead host is worth a quick retry); reads get longer because review pages can be large.
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# Awaited right before each request's bytes go on the wire (after any new connection is made), when set: a rate
# limit's last word on the request (internal/enrichment/limiter.py sets it; the sources know nothing of limits).
REQUEST_GATE: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("request_gate", default=None)


async def _on_the_wire(event: str, info: dict[str, Any]) -> None:
    """httpcore's trace hook: "http11.send_request_headers.started" comes once per request, redirects included."""
    if event.endswith("send_request_headers.started") and (gate := REQUEST_GATE.get()) is not None:
        await gate()


def raise_for_status(response: httpx.Response, *, source: str, product_id: str) -> None:
    status = response.status_code
    if status < 300:
        return
    if status in (401, 403):
        raise CredentialsRejected(source)
    if status == 404:
        raise ProductNotFound(product_id)
    if transient_status(status):
        raise SourceError(
            f"{source}: HTTP {status} {response.reason_phrase}".rstrip(),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    # Any other client error means the request itself is wrong: the same request will fail the same way.
    snippet = " ".join(response.text[:200].split())
    raise PermanentSourceError(f"{source}: HTTP {status}: {snippet}" if snippet else f"{source}: HTTP {status}")


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    product_id: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """GET and decode JSON, turning every way that can fail into a source error.

    Messages never include the URL: templates often carry an API key in the query string.
    """
    try:
        response = await client.get(url, params=params, headers=headers, extensions={"trace": _on_the_wire})
    except httpx.TimeoutException as err:
        raise SourceError(f"{source}: request timed out ({type(err).__name__})") from err
    except httpx.HTTPError as err:
        raise SourceError(f"{source}: request failed ({type(err).__name__}: {err})") from err
    raise_for_status(response, source=source, product_id=product_id)
    try:
        return response.json()
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError alike
        raise SourceError(f"{source}: response is not valid JSON ({err})") from err


def to_float(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def to_int(value: object) -> int | None:
    number = to_float(value)
    return int(number) if number is not None and number.is_integer() else None


def to_text(value: object) -> str | None:
    """A string field, tolerating numbers; None for missing, blank or structured values."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def review_text(title: str | None, body: str | None) -> str:
    """Title and body as one text to score; a title that already ends a sentence gets no extra full stop."""
    if title and body:
        return f"{title} {body}" if title[-1] in ".!?" else f"{title}. {body}"
    return title or body or ""


def checked_review(fields: dict[str, Any], payload: Any, *, source: str) -> Review | RejectedReview:
    """A pulled review through the one validation (internal/domain/review_validation.py): the Review, or what is
    wrong with it together with the source's own payload, for the dead-letter store. `fields` are the source's
    values under the schema's names (review_id, product_id, user_id, text, rating, timestamp), as the source sent
    them: a rating of "five" or 6 is rejected, not read as no rating."""
    outcome = validate_review(fields, required=PULL_REQUIRED, lenient_numbers=True)
    if isinstance(outcome, Rejection):
        raw = payload if isinstance(payload, dict) else {"value": payload}
        review_id = fields.get("review_id")
        return RejectedReview(outcome.reason, outcome.message, raw, None if review_id is None else str(review_id))
    # The date as the source wrote it (it is part of content ids and shown as sent); validated above.
    date = fields.get("timestamp")
    return Review(
        review_id=outcome.review_id,
        text=outcome.text,
        rating=outcome.rating,
        date=date.strip() if isinstance(date, str) and date.strip() else None,
        source=source,
    )


def split_checked(outcomes: list[Review | RejectedReview]) -> tuple[list[Review], list[RejectedReview]]:
    reviews = [r for r in outcomes if isinstance(r, Review)]
    return reviews, [r for r in outcomes if isinstance(r, RejectedReview)]
