"""Walmart affiliate reviews API: signed GET /reviews/{itemId}, one page per call, paging by `nextPage`.

Every request carries a fresh RSA signature over the consumer id, a millisecond timestamp and the key version;
Walmart rejects signatures older than about 180 s, so headers are never reused across requests or retries.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from internal.adapters.sources.base import PermanentSourceError, ProductNotFound, SourceError
from internal.adapters.sources.common import (
    DEFAULT_TIMEOUT,
    checked_review,
    get_json,
    review_text,
    split_checked,
    to_float,
    to_int,
    to_text,
)
from internal.domain.ids import content_id
from internal.domain.models import ProductMeta, RejectedReview, Review, ReviewPage

if TYPE_CHECKING:
    from internal.platform.adapter_settings import WalmartSettings

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://developer.api.walmart.com/api-proxy/service/affil/product/v2"
SOURCE = "walmart"


def load_private_key(data: bytes) -> rsa.RSAPrivateKey:
    """PEM (PKCS#1 or PKCS#8), or the bare base64 DER that Walmart's key-generation guide prints."""
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            der = base64.b64decode(b"".join(data.split()), validate=True)
            key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as err:
        raise ValueError(f"not a readable unencrypted private key ({err})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the key is not an RSA private key")
    return key


def canonical_string(signed_headers: Mapping[str, str]) -> str:
    """The string Walmart signs: header values in sorted header-name order, each followed by a newline."""
    return "".join(signed_headers[name] + "\n" for name in sorted(signed_headers))


class WalmartSource:
    name = SOURCE

    def __init__(
        self,
        consumer_id: str,
        private_key: bytes,
        *,
        key_version: str = "1",
        base_url: str = DEFAULT_BASE_URL,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not consumer_id:
            raise ValueError("WalmartSource needs a consumer id")
        self._consumer_id = consumer_id
        self._key = load_private_key(private_key)
        self._key_version = key_version
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout, headers={"Accept": "application/json"}, follow_redirects=True)

    @classmethod
    def from_settings(cls, settings: WalmartSettings) -> WalmartSource:
        if not settings.consumer_id:
            raise ValueError("REVIEW_SOURCE=walmart needs WM_CONSUMER_ID")
        if settings.private_key_path is None:
            raise ValueError("REVIEW_SOURCE=walmart needs WM_PRIVATE_KEY_PATH (the RSA private key file)")
        path = settings.private_key_path
        try:
            pem = path.read_bytes()
        except OSError as err:
            raise ValueError(f"WM_PRIVATE_KEY_PATH: cannot read {path} ({err.strerror or err})") from None
        try:
            return cls(
                settings.consumer_id,
                pem,
                key_version=settings.key_version,
                base_url=settings.base_url,
            )
        except ValueError as err:
            raise ValueError(f"WM_PRIVATE_KEY_PATH: {path}: {err}") from None

    async def aclose(self) -> None:
        await self._client.aclose()

    def signed_headers(self) -> dict[str, str]:
        signed = {
            "WM_CONSUMER.ID": self._consumer_id,
            "WM_CONSUMER.INTIMESTAMP": str(int(self._clock() * 1000)),
            "WM_SEC.KEY_VERSION": self._key_version,
        }
        signature = self._key.sign(canonical_string(signed).encode(), padding.PKCS1v15(), hashes.SHA256())
        return {**signed, "WM_SEC.AUTH_SIGNATURE": base64.b64encode(signature).decode("ascii")}

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        item_id = product_id.strip()
        if not item_id:
            raise ProductNotFound(product_id)
        page = _page_number(cursor)
        body = await get_json(
            self._client,
            f"{self._base_url}/reviews/{quote(item_id, safe='')}",
            source=SOURCE,
            product_id=product_id,
            params={"page": str(page)} if page > 1 else None,
            headers=self.signed_headers(),
        )
        return parse_page(body, page, item_id)

    def review(self, product_id: str, item: Any) -> Review | RejectedReview:
        """A dead letter's replay (internal/ingest/replay.py) maps its stored item again."""
        return _review(item, product_id)


def _page_number(cursor: str | None) -> int:
    if cursor is None:
        return 1
    if not cursor.isdigit() or int(cursor) < 1:
        raise PermanentSourceError(f"walmart: bad cursor {cursor!r} (expected a page number)")
    return int(cursor)


def parse_page(body: Any, page: int, product_id: str = "") -> ReviewPage:
    """One reply of GET /reviews/{itemId}; a reply of the wrong shape is a (retryable) SourceError."""
    if not isinstance(body, dict):
        raise SourceError(f"walmart: expected a JSON object, got {type(body).__name__}")
    raw = body.get("reviews")
    if raw is None:
        raw = []  # products without reviews come back without the key
    if not isinstance(raw, list):
        raise SourceError(f"walmart: 'reviews' is a {type(raw).__name__}, not a list")
    reviews, rejected = split_checked([_review(item, product_id or to_text(body.get("itemId")) or "") for item in raw])
    return ReviewPage(
        reviews=reviews, meta=_meta(body), next_cursor=_next_cursor(body.get("nextPage"), page), rejected=rejected
    )


def _review(item: Any, product_id: str) -> Review | RejectedReview:
    if not isinstance(item, dict):
        raise SourceError(f"walmart: a review is a {type(item).__name__}, not an object")
    title, body = to_text(item.get("title")), to_text(item.get("reviewText"))
    date, reviewer = to_text(item.get("submissionTime")), to_text(item.get("reviewer"))
    rating = item.get("overallRating")
    fields = {
        "review_id": to_text(item.get("reviewId")) or content_id(title, body, date, reviewer),
        "product_id": product_id,
        "user_id": reviewer,
        "text": review_text(title, body),
        "rating": rating.get("rating") if isinstance(rating, dict) else rating,
        "timestamp": date,
    }
    return checked_review(fields, item, source=SOURCE)


def _meta(body: dict[str, Any]) -> ProductMeta:
    stats = body.get("reviewStatistics")
    stats = stats if isinstance(stats, dict) else {}
    price = to_float(body.get("salePrice"))
    return ProductMeta(
        name=to_text(body.get("name")),
        price=price,
        currency="USD" if price is not None else None,  # the affiliate API is walmart.com, priced in dollars
        url=to_text(body.get("productUrl")),
        rating_average=to_float(stats.get("averageOverallRating")),
        rating_count=to_int(stats.get("totalReviewCount")),
    )


def _next_cursor(next_page: Any, page: int) -> str | None:
    link = to_text(next_page)
    if link is None:
        return None
    values = parse_qs(urlsplit(link).query).get("page", [])
    if not values or not values[0].isdigit():
        raise SourceError(f"walmart: cannot read a page number from nextPage {link[:100]!r}")
    following = int(values[0])
    if following <= page:
        # A link back to this page or an earlier one would page forever; treat the current page as the last.
        log.warning("walmart: nextPage %r does not move past page %d; stopping", link[:100], page)
        return None
    return str(following)
