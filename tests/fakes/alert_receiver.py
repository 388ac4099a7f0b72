"""A webhook receiver for alerts, served over real HTTP (tests/fakes/server.py) as a subscriber's would be.

It does what docs/alerts.md asks of a receiver: it checks the signature and dedupes by the Idempotency-Key header,
so `received` holds each alert once however often it was sent. `fail_next` makes it answer 503 to that many
requests first (a receiver that is up but unwell), with `retry_after` as their Retry-After header when set; `posts`
keeps every request that reached it, duplicates too, each with the time it came.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from internal.domain.webhook_signature import verify

REPLAY_WINDOW = 300


@dataclass
class Post:
    headers: dict[str, str]
    body: bytes
    answered: int
    signature_ok: bool
    at: float = field(default_factory=time.monotonic)


@dataclass
class AlertReceiver:
    secret: bytes
    fail_next: int = 0
    retry_after: str | None = None  # sent with each of the fail_next 503s: seconds or an HTTP date
    posts: list[Post] = field(default_factory=list)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Idempotency-Key, first taken

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        problem = verify(
            self.secret,
            body,
            headers.get("x-alert-timestamp"),
            headers.get("x-alert-signature"),
            now=time.time(),
            window=REPLAY_WINDOW,
        )
        ok = problem is None
        if self.fail_next > 0:
            self.fail_next -= 1
            self.posts.append(Post(headers, body, 503, ok))
            extra = {} if self.retry_after is None else {"Retry-After": self.retry_after}
            return Response("down for maintenance", status_code=503, headers=extra)
        if not ok:
            self.posts.append(Post(headers, body, 401, ok))
            return Response("bad signature", status_code=401)
        self.posts.append(Post(headers, body, 200, ok))
        self.received.setdefault(headers["idempotency-key"], json.loads(body))
        return JSONResponse({"ok": True})

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [a for a in self.received.values() if a["kind"] == kind]
