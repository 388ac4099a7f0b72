"""A fake generic reviews API in two dialects, for the mapping-driven HTTP source.

- `/bv/data/reviews.json?Filter=ProductId:{id}&Limit=&Offset=` — Bazaarvoice-style `Results` / `TotalResults`,
  key in the `passkey` query parameter (as Bazaarvoice does it).
- `/v1/products/{id}/reviews?cursor=` — `{"data": [...], "next": cursor|null, "product": {...}}`, numbers as
  strings; `?page=N` instead of a cursor returns page N and an empty `data` past the end. Key in `X-Api-Key`.

Product ids choose failures as in the Walmart fake: `missing-*` 404, `throttle-*` 429 (Retry-After: 3),
`boom-*` 502, `oops-*` 500, `garbled-*` not JSON, `slow-*` answers after a second.
`once-{boom,oops,throttle,garbled,hang}-*` fail that way on their first request only (`hang` answers after
HANG_SECONDS, longer than any client waits) and then answer normally, as a flaky vendor does. Other ids have
`catalog[id]` reviews (default 12). `times` records when each product was asked for. In the simple dialect,
`added[id]` more reviews (bad ones, or saying `added_text[id]`) come first, newest first, as review APIs list
them: what a refresh finds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_KEY = "test-key-123"
SIMPLE_PAGE_SIZE = 5
# Longer than the sources' read timeout (internal/adapters/sources/common.py DEFAULT_TIMEOUT).
HANG_SECONDS = 20.0


def simple_source_settings(url: str) -> dict[str, Any]:
    """The settings that point the generic JSON source (REVIEW_SOURCE=http) at this fake's simple dialect."""
    return {
        "review_source": "http",
        "reviews_http_url": url + "/v1/products/{product_id}/reviews?cursor={cursor}",
        "reviews_http_headers": json.dumps({"X-Api-Key": API_KEY}),
        "reviews_http_mapping": "simple",
    }


class FakeReviewsApi:
    def __init__(self) -> None:
        self.catalog: dict[str, int] = {}
        self.added: dict[str, int] = {}
        self.added_text: dict[str, str] = {}  # what the added reviews say (default: a bad review)
        self.requests: Counter[str] = Counter()  # by product id
        self.times: dict[str, list[float]] = {}
        self.app = Starlette(
            routes=[
                Route("/bv/data/reviews.json", self._bazaarvoice),
                Route("/v1/products/{product_id}/reviews", self._simple),
            ]
        )

    async def _failure(self, product_id: str) -> Response | None:
        self.times.setdefault(product_id, []).append(time.monotonic())
        if product_id.startswith("once-"):
            if self.requests[product_id] > 1:
                return None
            if product_id.startswith("once-hang-"):
                await asyncio.sleep(HANG_SECONDS)
                return None
            product_id = product_id.removeprefix("once-")
        if product_id.startswith("missing-"):
            return JSONResponse({"error": "no such product"}, status_code=404)
        if product_id.startswith("throttle-"):
            return Response("rate limited", status_code=429, headers={"Retry-After": "3"})
        if product_id.startswith("boom-"):
            return Response("bad gateway", status_code=502)
        if product_id.startswith("oops-"):
            return Response("internal server error", status_code=500)
        if product_id.startswith("garbled-"):
            return Response("<html>maintenance</html>", media_type="application/json")
        if product_id.startswith("slow-"):
            await asyncio.sleep(1.0)
        return None

    async def _bazaarvoice(self, request: Request) -> Response:
        product_id = request.query_params.get("Filter", "").removeprefix("ProductId:")
        self.requests[product_id] += 1
        if request.query_params.get("passkey") != API_KEY:
            return JSONResponse({"HasErrors": True, "Errors": [{"Code": "ERROR_ACCESS_DENIED"}]}, status_code=403)
        if (failure := await self._failure(product_id)) is not None:
            return failure
        limit, offset = int(request.query_params["Limit"]), int(request.query_params["Offset"])
        total = self.catalog.get(product_id, 12)
        results = [
            {
                "Id": f"bv-{product_id}-{i}",
                "ProductId": product_id,
                "Title": f"Title {i}",
                "ReviewText": f"Review {i} of {product_id}.",
                "Rating": 1 + i % 5,
                "SubmissionTime": f"2025-02-{1 + i % 28:02d}T10:00:00.000+00:00",
            }
            for i in range(offset, min(total, offset + limit))
        ]
        return JSONResponse(
            {"Limit": limit, "Offset": offset, "TotalResults": total, "Results": results, "HasErrors": False}
        )

    async def _simple(self, request: Request) -> Response:
        product_id = request.path_params["product_id"]
        self.requests[product_id] += 1
        if request.headers.get("X-Api-Key") != API_KEY:
            return JSONResponse({"error": "bad api key"}, status_code=401)
        if (failure := await self._failure(product_id)) is not None:
            return failure
        added = self.added.get(product_id, 0)
        total = added + self.catalog.get(product_id, 12)
        page_param = request.query_params.get("page")
        if page_param is not None:
            start = (int(page_param) - 1) * SIMPLE_PAGE_SIZE
        else:
            start = int(request.query_params.get("cursor") or "0")
        stop = min(total, start + SIMPLE_PAGE_SIZE)
        data: list[dict[str, Any]] = [
            {
                "id": f"new-{added - i}",
                "text": f"Newer review {added - i}: {self.added_text.get(product_id, 'broke after a week, awful.')}",
                "stars": "1",
                "created_at": "2025-04-01",
            }
            if i < added
            else {
                "id": None if (i - added) % 4 == 0 else f"s-{i - added}",  # some reviews come without an id
                "text": f"Simple review {i - added}: great value.",
                "stars": str(1 + (i - added) % 5),
                "created_at": f"2025-03-{1 + (i - added) % 28:02d}",
            }
            for i in range(start, stop)
        ]
        return JSONResponse(
            {
                "data": data,
                "next": str(stop) if stop < total else None,
                "product": {"name": f"Product {product_id}", "price": "12.50", "currency": "EUR", "url": None},
            }
        )
