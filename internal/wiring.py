"""The one place that builds real dependencies from settings (sources, scorers, database, worker)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from internal.activities.enrichment import EnrichmentActivities
from internal.config import Settings
from internal.enricher.base import Enricher
from internal.enricher.channel_enricher import ChannelEnricher
from internal.enricher.temporal_enricher import TemporalEnricher
from internal.scorers.base import Scorer
from internal.scorers.vader import VaderScorer
from internal.sources.base import ReviewSource
from internal.sources.demo import DemoSource
from internal.stack.postgres import EmbeddedPostgres
from internal.state.manager import StateManager
from internal.temporal_client import connect_client
from internal.worker import build_worker

log = logging.getLogger(__name__)


def build_sources(settings: Settings) -> dict[str, ReviewSource]:
    # Every job may name its source; the configured one is the default. The demo source is always there.
    return {"demo": DemoSource()}


def build_scorers(settings: Settings) -> dict[str, Scorer]:
    return {"vader": VaderScorer()}


async def database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """DATABASE_URL, or the embedded server under DATA_DIR (adopted if `make up` already runs it)."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value(), None
    embedded = EmbeddedPostgres(settings.data_dir.resolve())
    return await embedded.start(), embedded


async def run_worker(settings: Settings, dsn: str, stop: asyncio.Event) -> None:
    state = await StateManager.connect(dsn, max_size=10)
    try:
        client = await connect_client(settings)
        worker = build_worker(
            client,
            settings.temporal_task_queue,
            state,
            build_sources(settings),
            build_scorers(settings),
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        )
        async with worker:
            log.info("worker polling task queue %r on %s", settings.temporal_task_queue, settings.temporal_address)
            await stop.wait()
            log.info("worker stopping: finishing in-flight tasks")
    finally:
        await state.close()


async def build_enricher(settings: Settings, dsn: str) -> tuple[Enricher, StateManager, Callable[[], Awaitable[None]]]:
    """The facade selected by ENRICHER, with a close() that releases what it opened."""
    state = await StateManager.connect(dsn)
    enricher: Enricher
    if settings.enricher == "channel":
        channel = ChannelEnricher(state, EnrichmentActivities(state, build_sources(settings), build_scorers(settings)))
        enricher = channel

        async def close() -> None:
            await channel.close()
            await state.close()

        return enricher, state, close
    client = await connect_client(settings)
    enricher = TemporalEnricher(state, client, settings.temporal_task_queue)

    async def close_temporal() -> None:
        await state.close()

    return enricher, state, close_temporal
