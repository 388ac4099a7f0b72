"""What the routes need, built once by the entry point and kept on app.state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter
from temporalio.client import Client

from internal.adapters.uploads.local import UploadStore
from internal.app.state import StateManager
from internal.enrichment.findings_service import FindingsService
from internal.http.disk import require_space
from internal.ingest.service import IngestService
from internal.intake import IntakeLimits
from internal.jobs.facade import Enricher
from internal.jobs.service import JobService
from internal.platform.config import Settings
from internal.platform.ingest_settings import IngestSettings
from internal.schedules.service import ScheduleService


class Metrics:
    """Prometheus metrics on a registry of our own (several apps can live in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("api_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry)
        self.jobs_created = Counter("jobs_created", "jobs created", registry=self.registry)
        self.rows_accepted = Counter("rows_accepted", "data rows accepted at upload", registry=self.registry)


@dataclass
class Services:
    settings: Settings
    state: StateManager
    enricher: Enricher
    uploads: UploadStore
    metrics: Metrics
    intake_limits: IntakeLimits
    temporal: Client
    ingest_settings: IngestSettings = field(default_factory=IngestSettings)
    # The configured review sources (a pulled dead letter's replay maps its item again); none in most tests.
    sources: Mapping[str, Any] = field(default_factory=dict)
    # The use cases the routes call; built from the fields above.
    jobs: JobService = field(init=False)
    schedules: ScheduleService = field(init=False)
    ingest: IngestService = field(init=False)
    findings: FindingsService = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = JobService(
            settings=self.settings,
            state=self.state,
            enricher=self.enricher,
            uploads=self.uploads,
            intake_limits=self.intake_limits,
            on_created=self._count_created,
            require_space=lambda: require_space(self.settings),
        )
        self.schedules = ScheduleService(
            settings=self.settings,
            schedules=self.state.schedules,
            temporal=self.temporal,
            intake_limits=self.intake_limits,
            require_space=lambda: require_space(self.settings),
        )

        self.ingest = IngestService(
            settings=self.ingest_settings,
            store=self.state.ingest,
            live=self.state.live,
            dead_letters=self.state.dead_letters,
            temporal=self.temporal,
            task_queue=self.settings.temporal_task_queue,
            scorer=self.settings.scorers_in_chain[0],
            sources=self.sources,
        )
        self.findings = FindingsService(jobs=self.state.jobs, rows=self.state.rows, findings=self.state.findings)

    def _count_created(self, rows: int) -> None:
        self.metrics.jobs_created.inc()
        self.metrics.rows_accepted.inc(rows)


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc
