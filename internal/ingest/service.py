"""IngestService: the use cases behind POST /api/v1/reviews, /api/v1/dead-letters and /api/v1/products.

A push is checked (internal/ingest/batch.py), stored with its receipt in one transaction (store.py), and the live
sentiment workflow is woken — at most once per INGEST_SIGNAL_COALESCE_SECONDS however many pushes arrive, with a
trailing signal so the last push of a burst is never left waiting for the idle poll.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from internal.domain.errors import ServiceError
from internal.domain.webhook_signature import verify
from internal.ingest import batch
from internal.ingest.contracts import DIRTY_SIGNAL, LiveSentimentInput, live_workflow_id
from internal.ingest.live_store import LiveStore, ProductState
from internal.ingest.replay import ReplayOutcome, replay
from internal.ingest.store import DeadRow, IngestStore, Receipt
from internal.ingest.workflow import LiveSentimentWorkflow
from internal.ledger.dead_letters import DeadLetter, DeadLetterFilter, DeadLetterStore
from internal.platform.ingest_settings import IngestSettings

log = logging.getLogger(__name__)


class UnknownSource(ServiceError):
    status = 422
    code = "unknown_source"


class ProductNotKnown(ServiceError):
    status = 404
    code = "product_not_found"


@dataclass(frozen=True)
class PushOutcome:
    receipt: Receipt
    source: str
    dead_letters: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class IngestService:
    settings: IngestSettings
    store: IngestStore
    live: LiveStore
    dead_letters: DeadLetterStore
    temporal: Client
    task_queue: str
    scorer: str  # the default scorer (first of SCORER_CHAIN), which the live workflow scores with
    sources: Mapping[str, Any] = field(default_factory=dict)  # the configured pull sources, for replays
    _last_signal: float = field(default=-1e9, init=False)
    _trailing: asyncio.Task[None] | None = field(default=None, init=False)

    def check_source(self, source: str | None) -> str:
        names = self.settings.source_names
        if not source or source not in names:
            raise UnknownSource(
                f"unknown source {source!r}: this service takes pushes for {', '.join(names)} (INGEST_SOURCES)",
                details={"source": source, "known": names},
            )
        return source

    def verify_signature(self, source: str, body: bytes, timestamp: str | None, signature: str | None) -> None:
        """With a secret for `source` in INGEST_WEBHOOK_SECRETS, the push must be signed (docs/sources.md)."""
        secret = self.settings.secret_for(source)
        if secret is None:
            return
        why = verify(secret, body, timestamp, signature, now=time.time(), window=self.settings.signature_window_seconds)
        if why is not None:
            raise ServiceError(f"webhook signature refused: {why}", status=401, code="bad_signature")

    async def push(self, source: str, body: bytes, content_type: str) -> PushOutcome:
        self.check_source(source)
        items = batch.items_of(body, content_type, max_reviews=self.settings.max_reviews)
        checked = batch.check(items, max_text_chars=self.settings.max_review_chars)
        dead = [
            DeadRow(position, r.reason, r.message, payload, _review_id(payload))
            for position, r, payload in checked.rejected
        ]
        receipt = await self.store.store_batch(uuid.uuid4().hex, source, checked.received, checked.valid, dead)
        if receipt.accepted:
            await self.wake()
        reasons = [
            {"position": d.position, "review_id": d.review_id, "reason": d.reason, "message": d.message} for d in dead
        ]
        return PushOutcome(receipt, source, reasons)

    # ---- waking the live sentiment workflow ----------------------------------------------------------------------

    async def wake(self) -> None:
        """Signal-with-start the live sentiment workflow, coalesced: at most one signal per window."""
        window = self.settings.signal_coalesce_seconds
        waited = time.monotonic() - self._last_signal
        if waited >= window:
            self._last_signal = time.monotonic()
            await self._signal()
        elif self._trailing is None or self._trailing.done():
            self._trailing = asyncio.create_task(self._signal_after(window - waited))

    async def _signal_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._last_signal = time.monotonic()
        await self._signal()

    async def _signal(self) -> None:
        inp = LiveSentimentInput(
            scorer=self.scorer,
            batch_products=self.settings.live_batch_products,
            idle_poll_seconds=self.settings.idle_poll_seconds,
        )
        try:
            await self.temporal.start_workflow(
                LiveSentimentWorkflow.run,
                inp,
                id=live_workflow_id(self.task_queue),
                task_queue=self.task_queue,
                start_signal=DIRTY_SIGNAL,
                static_summary="Live product sentiment: refreshes products with new pushed reviews",
            )
        except Exception as err:  # the reviews are stored: the next push or replay wakes it again
            log.warning("could not wake the live sentiment workflow: %s: %s", type(err).__name__, err)

    async def aclose(self) -> None:
        if self._trailing is not None and not self._trailing.done():
            await self._trailing

    # ---- dead letters ------------------------------------------------------------------------------------------

    async def list_dead_letters(self, where: DeadLetterFilter, *, before: int | None, limit: int) -> list[DeadLetter]:
        return await self.dead_letters.list(where, before=before, limit=limit)

    async def replay(self, where: DeadLetterFilter, *, limit: int) -> ReplayOutcome:
        done = await replay(
            self.store,
            self.dead_letters,
            where,
            limit=limit,
            max_text_chars=self.settings.max_review_chars,
            sources=self.sources,
        )
        if done.stored:
            await self.wake()
        return done

    # ---- products ---------------------------------------------------------------------------------------------

    async def product(self, source: str, product_id: str) -> ProductState:
        state = await self.live.product(source, product_id)
        if state.live is None and state.job is None and not state.history and not state.origins:
            raise ProductNotKnown(f"no sentiment for product {product_id!r} of source {source!r} yet")
        return state


def _review_id(payload: dict[str, Any]) -> str | None:
    value = payload.get("review_id")
    return None if value is None or isinstance(value, dict | list) else str(value)[:200]
