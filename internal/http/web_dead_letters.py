"""The dead-letters page: a shell at /dead-letters and the fragments its JavaScript loads (counts by source and
reason, the newest dead letters with the filter applied, and the count the header shows). Replaying goes through
POST /api/v1/dead-letters/replay from the page."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from internal.http.deps import services
from internal.http.web_kit import WebRoutes, shell, templates
from internal.ledger.dead_letters import DeadLetterFilter

routes = WebRoutes()
pages, fragments, install = routes.pages, routes.fragments, routes.install

# Dead letters listed at once (newest first; the API pages through all of them).
LISTED = 100
# Characters of a raw payload the list shows; the whole payload is in its title and in the API.
PAYLOAD_SHOWN = 160


@pages.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters_page(request: Request) -> HTMLResponse:
    return shell(request, "dead_letters.html")


def shorten(payload: Any, limit: int = PAYLOAD_SHOWN) -> str:
    text = json.dumps(payload, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@fragments.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters_fragment(
    request: Request,
    source: Annotated[str | None, Query(max_length=200)] = None,
    reason: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    store = services(request).state.dead_letters
    where = DeadLetterFilter(source=source or None, reason=reason or None)
    items = await store.list(where, limit=LISTED)
    context = {
        "counts": await store.counts(),
        "items": items,
        "source": where.source,
        "reason": where.reason,
        "listed": LISTED,
        "shorten": shorten,
        "full": lambda p: json.dumps(p, ensure_ascii=False),
    }
    return templates.TemplateResponse(request, "_dead_letters.html", context)


@fragments.get("/dead-letters/count", response_class=PlainTextResponse)
async def dead_letters_count(request: Request) -> str:
    """Dead letters waiting for a replay: the number next to the header's link."""
    return str(await services(request).state.dead_letters.waiting())
