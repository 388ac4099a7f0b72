"""A fake Walmart affiliate reviews API: checks the RSA signature and its age like the real one, pages with
`nextPage`, sends numbers as strings, and fails on demand.

Product ids choose the behaviour: `missing-*` 404, `throttle-*` 429 with `Retry-After: 7`, `throttle-date-*`
429 with an HTTP-date Retry-After, `boom-*` 500, `garbled-*` a body that is not JSON, `list-*` a JSON list,
`badnext-*` a nextPage without a page number, `flaky-*` 503 on the first request per page then success.
Any other id is a product with `catalog[id]` reviews (default 25), ten per page.
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PAGE_SIZE = 10
MAX_SIGNATURE_AGE_S = 180.0
SIGNED = ("WM_CONSUMER.ID", "WM_CONSUMER.INTIMESTAMP", "WM_SEC.KEY_VERSION")


class FakeWalmart:
    def __init__(self, public_key: rsa.RSAPublicKey, consumer_id: str, key_version: str = "1") -> None:
        self.public_key = public_key
        self.consumer_id = consumer_id
        self.key_version = key_version
        self.catalog: dict[str, int] = {}
        self.requests: Counter[str] = Counter()  # by path, so tests can count attempts per product
        self.times: list[float] = []  # time.monotonic() of every request, so tests can measure the request rate
        self.rejections: list[str] = []  # why each 401 was sent
        self._seen: set[str] = set()
        self.app = Starlette(routes=[Route("/reviews/{item_id}", self._reviews)])

    def _auth_problem(self, request: Request) -> str | None:
        values = [request.headers.get(name) for name in SIGNED]
        signature = request.headers.get("WM_SEC.AUTH_SIGNATURE")
        if any(v is None for v in values) or signature is None:
            return "missing signature headers"
        consumer, stamp, version = (v or "" for v in values)
        if consumer != self.consumer_id or version != self.key_version:
            return "unknown consumer or key version"
        if not stamp.isdigit() or abs(time.time() - int(stamp) / 1000) > MAX_SIGNATURE_AGE_S:
            return "stale timestamp"
        canonical = "".join(f"{v}\n" for _, v in sorted(zip(SIGNED, (consumer, stamp, version), strict=True)))
        try:
            self.public_key.verify(base64.b64decode(signature), canonical.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "bad signature"
        return None

    async def _reviews(self, request: Request) -> Response:
        item_id = request.path_params["item_id"]
        self.requests[request.url.path] += 1
        self.times.append(time.monotonic())
        problem = self._auth_problem(request)
        if problem is not None:
            self.rejections.append(problem)
            return JSONResponse({"errors": [{"code": 401, "message": problem}]}, status_code=401)
        page = int(request.query_params.get("page", "1"))
        failure = self._failure(item_id, page)
        if failure is not None:
            return failure
        return JSONResponse(self._page_body(item_id, page))

    def _failure(self, item_id: str, page: int) -> Response | None:
        if item_id.startswith("missing-"):
            return JSONResponse({"errors": [{"code": 4004, "message": "item not found"}]}, status_code=404)
        if item_id.startswith("throttle-date-"):
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
            return Response("slow down", status_code=429, headers={"Retry-After": when})
        if item_id.startswith("throttle-"):
            return Response("slow down", status_code=429, headers={"Retry-After": "7"})
        if item_id.startswith("boom-"):
            return Response("internal error", status_code=500)
        if item_id.startswith("garbled-"):
            return Response('{"itemId": "1", "reviews": [', media_type="application/json")
        if item_id.startswith("list-"):
            return JSONResponse([{"reviewText": "a list is not a reply"}])
        if item_id.startswith("flaky-") and (key := f"{item_id}:{page}") not in self._seen:
            self._seen.add(key)
            return Response("try again", status_code=503)
        return None

    def _page_body(self, item_id: str, page: int) -> dict[str, Any]:
        total = self.catalog.get(item_id, 25)
        start = (page - 1) * PAGE_SIZE
        stop = min(total, start + PAGE_SIZE)
        body: dict[str, Any] = {
            "itemId": int(item_id) if item_id.isdigit() else item_id,
            "name": f"Fake item {item_id}",
            "salePrice": "19.99",
            "productUrl": f"https://www.walmart.com/ip/{item_id}",
            "reviewStatistics": {"averageOverallRating": "4.2", "totalReviewCount": str(total)},
        }
        if start < stop:
            body["reviews"] = [_review(i) for i in range(start, stop)]
        if item_id.startswith("badnext-"):
            body["nextPage"] = f"/reviews/{item_id}?sort=helpful"
        elif stop < total:
            body["nextPage"] = f"/reviews/{item_id}?page={page + 1}"
        return body


def _review(index: int) -> dict[str, Any]:
    review: dict[str, Any] = {
        "title": f"Title {index}",
        "reviewText": f"Review number {index} says it works well.",
        "overallRating": {"rating": str(1 + index % 5)},
        "submissionTime": f"2024-01-{1 + index % 28:02d}",
        "reviewer": f"user{index}",
    }
    if index % 3:  # every third review comes without an id, as real ones sometimes do
        review["reviewId"] = str(900_000 + index)
    return review
