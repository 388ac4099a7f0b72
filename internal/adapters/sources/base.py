"""What a review source is: one page of a product's reviews per call, resumable from an opaque cursor."""

from __future__ import annotations

from typing import Protocol

from internal.domain.models import ReviewPage


class SourceError(Exception):
    """Transient (rate limit, 5xx, timeout, malformed reply): worth retrying with backoff.

    `retry_after` (seconds) carries a server's Retry-After so the next attempt waits at least that long.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSourceError(Exception):
    """Retrying cannot help; the message becomes the row's reason."""


class ProductNotFound(PermanentSourceError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"product not found: {product_id}")


class CredentialsRejected(PermanentSourceError):
    def __init__(self, source: str) -> None:
        super().__init__(f"credentials rejected by {source}")


class ReviewSource(Protocol):
    name: str

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage: ...
