"""The one place that builds real dependencies from settings (sources, scorers, database, worker)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.aspects.comprehend import ComprehendAspects
from internal.adapters.aspects.gemini import GeminiAspects
from internal.adapters.scorers.base import Scorer
from internal.adapters.scorers.comprehend import ComprehendScorer
from internal.adapters.scorers.e5 import E5Scorer
from internal.adapters.scorers.gemini import GeminiScorer
from internal.adapters.scorers.lexical import LexicalScorer
from internal.adapters.scorers.vader import VaderScorer
from internal.adapters.sources.base import ReviewSource
from internal.adapters.sources.demo import DemoSource
from internal.adapters.sources.http_json import HttpJsonSource
from internal.adapters.sources.review_file import ReviewFileSource
from internal.adapters.sources.walmart import WalmartSource
from internal.app.state import StateManager
from internal.app.worker import build_fetch_workers, build_worker
from internal.jobs.enricher import TemporalEnricher
from internal.platform.config import Settings, SettingsError
from internal.platform.stack.postgres import EmbeddedPostgres
from internal.platform.temporal_client import connect_client, metrics_runtime

log = logging.getLogger(__name__)


def build_sources(settings: Settings) -> dict[str, ReviewSource]:
    """The demo source (always: `make demo` must work anywhere) plus the one REVIEW_SOURCE names.

    Misconfiguration (a missing key file, no URL template) stops the process here with the variable's name,
    rather than failing every row of the first job.
    """
    sources: dict[str, ReviewSource] = {"demo": DemoSource()}
    try:
        if settings.review_source == "walmart":
            sources["walmart"] = WalmartSource.from_settings(settings.walmart)
        elif settings.review_source == "http":
            sources["http"] = HttpJsonSource.from_settings(settings.reviews_http)
        elif settings.review_source == "file":
            sources["file"] = ReviewFileSource.from_settings(settings.review_file)
    except ValueError as err:
        raise SettingsError(f"invalid configuration:\n  {err}") from None
    return sources


def build_scorers(settings: Settings) -> dict[str, Scorer]:
    """The offline scorers (always; e5 loads its model on first use) plus every scorer SCORER or SCORER_CHAIN
    names, each built once."""
    scorers: dict[str, Scorer] = {"vader": VaderScorer(), "lexical": LexicalScorer(), "e5": E5Scorer()}
    try:
        for name in settings.configured_scorers:
            if name == "comprehend":
                scorers[name] = ComprehendScorer.from_settings(settings.comprehend)
            elif name == "gemini":
                scorers[name] = GeminiScorer.from_settings(settings.gemini)
    except ValueError as err:
        raise SettingsError(f"invalid configuration:\n  {err}") from None
    return scorers


def build_aspects(settings: Settings) -> AspectProvider | None:
    """The aspect provider ASPECTS names, with its own client; None for the offline aspects."""
    try:
        if settings.aspects == "comprehend":
            return ComprehendAspects.from_settings(settings.comprehend)
        if settings.aspects == "gemini":
            return GeminiAspects.from_settings(settings.gemini)
    except ValueError as err:
        raise SettingsError(f"invalid configuration:\n  {err}") from None
    return None


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[str]:
    """The database URI: DATABASE_URL, or the embedded server under DATA_DIR (adopted if `make up` already runs
    it), which this process detaches from on exit (the server stops when the last process has left)."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    embedded = EmbeddedPostgres(settings.data_dir.resolve())
    dsn = await embedded.start()
    try:
        yield dsn
    finally:
        embedded.stop()


@dataclass
class Adapters:
    """The sources and scorers of one process, built once; aclose() releases their HTTP connections."""

    sources: dict[str, ReviewSource]
    scorers: dict[str, Scorer]
    aspects: AspectProvider | None = None

    async def aclose(self) -> None:
        for adapter in [*self.sources.values(), *self.scorers.values(), self.aspects]:
            close = getattr(adapter, "aclose", None)
            if close is not None:
                await close()


def build_adapters(settings: Settings) -> Adapters:
    """Entry points call this before starting anything, so a misconfigured adapter stops them with exit 2."""
    return Adapters(build_sources(settings), build_scorers(settings), build_aspects(settings))


async def run_worker(settings: Settings, dsn: str, stop: asyncio.Event, adapters: Adapters | None = None) -> None:
    """Poll until `stop` is set. Adapters passed in stay the caller's to close; those built here are closed here."""
    async with AsyncExitStack() as opened:
        if adapters is None:
            adapters = build_adapters(settings)
            opened.push_async_callback(adapters.aclose)
        state = await StateManager.connect(dsn, max_size=10)
        opened.push_async_callback(state.close)
        port = settings.worker_metrics_port
        client = await connect_client(settings, runtime=None if port is None else metrics_runtime(port))
        worker = build_worker(
            client,
            settings.temporal_task_queue,
            state,
            adapters.sources,
            adapters.scorers,
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
            rate_limited=settings.rate_limits,
            aspects=adapters.aspects,
        )
        # A worker without the source would take its fetches only to fail them: it leaves that queue to others.
        limits = {source: rate for source, rate in settings.rate_limits.items() if source in adapters.sources}
        for source in settings.rate_limits.keys() - limits.keys():
            log.warning(
                "SOURCE_RATE_LIMITS names %s, which this worker has not configured (REVIEW_SOURCE=%s): "
                "not serving its fetch queue",
                source,
                settings.review_source,
            )
        fetchers = build_fetch_workers(
            client,
            settings.temporal_task_queue,
            limits,
            state,
            adapters.sources,
            max_concurrent_activities=settings.worker_max_concurrent_activities,
        )
        async with AsyncExitStack() as polling:
            await polling.enter_async_context(worker)
            log.info("worker polling task queue %r on %s", settings.temporal_task_queue, settings.temporal_address)
            for source, fetcher in fetchers.items():
                await polling.enter_async_context(fetcher)
                log.info(
                    "worker fetching %s pages on task queue %r, at most %g requests/s across all workers",
                    source,
                    fetcher.task_queue,
                    limits[source],
                )
            await stop.wait()
            log.info("worker stopping: finishing in-flight tasks")


@asynccontextmanager
async def open_enricher(settings: Settings, dsn: str) -> AsyncIterator[tuple[TemporalEnricher, StateManager]]:
    """The enricher facade (on Temporal: the only one in production) and the StateManager under it, released on
    exit in reverse order. Starting jobs needs no sources or scorers here: the worker runs them."""
    async with AsyncExitStack() as opened:
        state = await StateManager.connect(dsn)
        opened.push_async_callback(state.close)
        client = await connect_client(settings)
        yield TemporalEnricher(state, client, settings.temporal_task_queue, rate_limited=settings.rate_limits), state
