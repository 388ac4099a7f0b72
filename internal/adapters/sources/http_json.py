"""Any JSON review API, described by a URL template and a field mapping instead of code.

The template says how to ask for a page ({product_id}, and {page}, {offset} or {cursor}); the mapping says where
the reviews, their fields, the next page and the product's metadata live in the reply, as dotted paths.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from internal.adapters.sources.base import PermanentSourceError, SourceError
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
    from internal.platform.adapter_settings import HttpSourceSettings

SOURCE = "http"
PLACEHOLDERS = frozenset({"product_id", "page", "offset", "cursor"})
_META_FIELDS = ("name", "price", "currency", "url", "rating_average", "rating_count")


class FieldMapping(BaseModel):
    """Where things live in a reply. Paths are dotted keys ("data.items", "rating.value", "results.0.id");
    `reviews` may be "" when the reply itself is the list. Review fields are relative to one review."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reviews: str
    text: str
    id: str | None = None
    title: str | None = None
    rating: str | None = None
    date: str | None = None
    # Paging: the next cursor, or the next page number; with neither, pages are read until one comes back empty
    # (or shorter than page_size, or past `total`).
    next_cursor: str | None = None
    next_page: str | None = None
    total: str | None = None
    page_size: int | None = Field(default=None, ge=1, le=10_000)
    # Product metadata, relative to the whole reply.
    name: str | None = None
    price: str | None = None
    currency: str | None = None
    url: str | None = None
    rating_average: str | None = None
    rating_count: str | None = None

    @field_validator("text", "id", "title", "rating", "date", "next_cursor", "next_page", "total", *_META_FIELDS)
    @classmethod
    def _dotted(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(not part.strip() for part in value.split("."))):
            raise ValueError(f"{value!r} is not a dotted path like 'data.reviews'")
        return value

    @field_validator("reviews")
    @classmethod
    def _reviews_path(cls, value: str) -> str:
        if value and any(not part.strip() for part in value.split(".")):
            raise ValueError(f'{value!r} is not a dotted path (use "" when the reply is the list itself)')
        return value

    @model_validator(mode="after")
    def _one_paging_style(self) -> Self:
        if self.next_cursor and self.next_page:
            raise ValueError("set next_cursor or next_page, not both")
        return self


# Ready-made mappings, selectable by name in REVIEWS_HTTP_MAPPING; docs/sources.md shows them with their URLs.
PRESETS: dict[str, dict[str, Any]] = {
    "bazaarvoice": {
        "reviews": "Results",
        "id": "Id",
        "title": "Title",
        "text": "ReviewText",
        "rating": "Rating",
        "date": "SubmissionTime",
        "total": "TotalResults",
        "page_size": 100,
    },
    "simple": {
        "reviews": "data",
        "id": "id",
        "text": "text",
        "rating": "stars",
        "date": "created_at",
        "next_cursor": "next",
        "name": "product.name",
        "price": "product.price",
        "currency": "product.currency",
        "url": "product.url",
    },
}


def lookup(data: Any, path: str, default: Any = None) -> Any:
    if path == "":
        return data
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return default
    return data


def load_mapping(raw: str | dict[str, Any], *, variable: str = "REVIEWS_HTTP_MAPPING") -> FieldMapping:
    """A mapping from a preset name, inline JSON, `@path/to/file.json`, or a dict; a readable ValueError if bad."""
    data: Any = raw
    if isinstance(raw, str):
        text = raw.strip()
        if text in PRESETS:
            data = PRESETS[text]
        else:
            if text.startswith("@"):
                try:
                    text = Path(text[1:]).expanduser().read_text(encoding="utf-8")
                except OSError as err:
                    raise ValueError(f"{variable}: cannot read {text[1:]} ({err.strerror or err})") from None
            try:
                data = json.loads(text)
            except ValueError as err:
                names = ", ".join(sorted(PRESETS))
                raise ValueError(f"{variable} is neither a preset ({names}) nor valid JSON: {err}") from None
    try:
        return FieldMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'mapping'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ValueError(f"{variable}: {problems}") from None


def check_template(template: str, mapping: FieldMapping) -> frozenset[str]:
    """The placeholders a URL template uses, after checking they can express the mapping's paging."""
    try:
        used = frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    except ValueError as err:
        raise ValueError(f"REVIEWS_HTTP_URL: {err}") from None
    unknown = used - PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"REVIEWS_HTTP_URL: unknown placeholder(s) {', '.join(sorted(unknown))}; "
            "use {product_id}, {page}, {offset} or {cursor}"
        )
    if "product_id" not in used:
        raise ValueError("REVIEWS_HTTP_URL must contain {product_id}")
    if mapping.next_cursor and "cursor" not in used:
        raise ValueError("REVIEWS_HTTP_URL must contain {cursor}: the mapping pages by next_cursor")
    if "cursor" in used and not mapping.next_cursor:
        raise ValueError("REVIEWS_HTTP_URL uses {cursor} but the mapping has no next_cursor path")
    if mapping.next_page and not used & {"page", "offset"}:
        raise ValueError("REVIEWS_HTTP_URL must contain {page} or {offset}: the mapping pages by next_page")
    if "offset" in used and mapping.page_size is None:
        raise ValueError("REVIEWS_HTTP_URL uses {offset}, which needs page_size in the mapping")
    return used


class HttpJsonSource:
    name = SOURCE

    def __init__(
        self,
        url_template: str,
        mapping: FieldMapping | dict[str, Any] | str,
        *,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        self.mapping = mapping if isinstance(mapping, FieldMapping) else load_mapping(mapping)
        self._template = url_template
        self._placeholders = check_template(url_template, self.mapping)
        self._client = httpx.AsyncClient(
            timeout=timeout, headers={"Accept": "application/json", **(headers or {})}, follow_redirects=True
        )

    @classmethod
    def from_settings(cls, settings: HttpSourceSettings) -> HttpJsonSource:
        if not settings.url:
            raise ValueError("REVIEW_SOURCE=http needs REVIEWS_HTTP_URL (a URL template with {product_id})")
        if not settings.mapping:
            raise ValueError("REVIEW_SOURCE=http needs REVIEWS_HTTP_MAPPING (a preset name, JSON, or @file.json)")
        headers: dict[str, str] = {}
        if settings.headers is not None:
            headers = parse_headers(settings.headers.get_secret_value())
        return cls(settings.url, settings.mapping, headers=headers)

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def _paged(self) -> bool:
        return bool(self._placeholders & {"page", "offset", "cursor"})

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        page = 1
        if cursor is not None and not self.mapping.next_cursor:
            if not cursor.isdigit() or int(cursor) < 1:
                raise PermanentSourceError(f"http: bad cursor {cursor!r} (expected a page number)")
            page = int(cursor)
        url = self._template.format(
            product_id=quote(product_id.strip(), safe=""),
            page=page,
            offset=(page - 1) * (self.mapping.page_size or 0),
            cursor=quote(cursor or "", safe=""),
        )
        body = await get_json(self._client, url, source=SOURCE, product_id=product_id)
        raw = lookup(body, self.mapping.reviews, default=_MISSING)
        if raw is _MISSING:
            # Usually a mapping that does not fit the API; the path and the keys seen make it quick to fix.
            keys = ", ".join(sorted(body)[:20]) if isinstance(body, dict) else type(body).__name__
            raise SourceError(f"http: no {self.mapping.reviews!r} in the reply (it has: {keys})")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise SourceError(f"http: {self.mapping.reviews!r} is a {type(raw).__name__}, not a list")
        reviews, rejected = split_checked([self.review(product_id, item) for item in raw])
        return ReviewPage(
            reviews=reviews, meta=self._meta(body), next_cursor=self._next(body, page, len(raw)), rejected=rejected
        )

    def review(self, product_id: str, item: Any) -> Review | RejectedReview:
        """One item of a reply through the mapping and the one validation; also what a dead letter's replay
        calls, with the mapping of the moment (internal/ingest/replay.py)."""
        if not isinstance(item, dict):
            raise SourceError(f"http: a review is a {type(item).__name__}, not an object")
        m = self.mapping
        title = to_text(lookup(item, m.title)) if m.title else None
        body = to_text(lookup(item, m.text))
        date = to_text(lookup(item, m.date)) if m.date else None
        review_id = to_text(lookup(item, m.id)) if m.id else None
        fields = {
            "review_id": review_id or content_id(title, body, date),
            "product_id": product_id,
            "text": review_text(title, body),
            "rating": lookup(item, m.rating) if m.rating else None,
            "timestamp": date,
        }
        return checked_review(fields, item, source=SOURCE)

    def _meta(self, body: Any) -> ProductMeta | None:
        m = self.mapping
        if not any(getattr(m, f) for f in (*_META_FIELDS, "total")):
            return None

        def at(path: str | None) -> Any:
            return lookup(body, path) if path else None

        return ProductMeta(
            name=to_text(at(m.name)),
            price=to_float(at(m.price)),
            currency=to_text(at(m.currency)),
            url=to_text(at(m.url)),
            rating_average=to_float(at(m.rating_average)),
            # How many reviews the product has: results show it next to how many were scored (a sample or all).
            rating_count=to_int(at(m.rating_count or m.total)),
        )

    def _next(self, body: Any, page: int, count: int) -> str | None:
        m = self.mapping
        if m.next_cursor:
            value = lookup(body, m.next_cursor)
            if isinstance(value, dict | list):
                raise SourceError(f"http: {m.next_cursor!r} is a {type(value).__name__}, not a cursor")
            return to_text(value)
        if m.next_page:
            following = to_int(lookup(body, m.next_page))
            # A next page that does not move forward would page forever.
            return str(following) if following is not None and following > page else None
        if not self._paged or count == 0:
            return None
        if m.page_size is not None:
            if count < m.page_size:
                return None
            total = to_int(lookup(body, m.total)) if m.total else None
            if total is not None and page * m.page_size >= total:
                return None
        return str(page + 1)


_MISSING = object()


def parse_headers(raw: str) -> dict[str, str]:
    """REVIEWS_HTTP_HEADERS: a JSON object of header names to values. Errors never echo it: it holds keys."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError('REVIEWS_HTTP_HEADERS must be a JSON object, e.g. {"X-Api-Key": "..."}') from None
    if not isinstance(data, dict) or not all(isinstance(v, str | int) for v in data.values()):
        raise ValueError("REVIEWS_HTTP_HEADERS must be a JSON object of header names to string values")
    return {str(k): str(v) for k, v in data.items()}
