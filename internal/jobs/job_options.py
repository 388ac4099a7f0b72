"""A job's options as stored: the service defaults under what the job asked for, checked against the adapters this
service has configured (the rule itself is internal/domain/options.py resolve_job_options; JobService calls this)."""

from __future__ import annotations

from typing import Any

from internal.domain.options import resolve_job_options
from internal.http.schemas import JobOptions
from internal.platform.config import Settings


def job_options(settings: Settings, options: JobOptions) -> dict[str, Any]:
    """The service defaults (REVIEW_SOURCE, SCORER_CHAIN) under the job's own options; raises InvalidOptions."""
    return resolve_job_options(
        options.as_dict(),
        settings.job_defaults(),
        sources=settings.configured_sources,
        scorers=settings.configured_scorers,
    )
