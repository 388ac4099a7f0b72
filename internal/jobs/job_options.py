"""A job's options as stored: the service defaults under what the job asked for, checked against the adapters this
service has configured (the rule itself is internal/domain/options.py resolve_job_options; JobService and
ScheduleService call this).

What a job asks for reaches the services as a plain mapping, already checked for shape at the edge that read it
(the API's and the CLI's JobOptions, internal/http/schemas.py): the services do not speak HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from internal.domain.options import resolve_job_options
from internal.platform.config import Settings


def job_options(settings: Settings, asked: Mapping[str, Any] | None) -> dict[str, Any]:
    """The service defaults (REVIEW_SOURCE, SCORER_CHAIN) under the job's own options; raises InvalidOptions."""
    return resolve_job_options(
        dict(asked or {}),
        settings.job_defaults(),
        sources=settings.configured_sources,
        scorers=settings.configured_scorers,
    )
