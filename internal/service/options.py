"""A job's options as stored: the service defaults under what the job asked for, checked against the adapters this
service has configured (moved here unchanged from internal/api/submit.py; JobService.resolve_options calls it)."""

from __future__ import annotations

from typing import Any

from internal.api.schemas import JobOptions
from internal.config import Settings
from internal.service.errors import InvalidOptions


def job_options(settings: Settings, options: JobOptions) -> dict[str, Any]:
    """The service defaults (REVIEW_SOURCE, SCORER_CHAIN) under the job's own options, checked against what this
    service has configured: a job naming an unconfigured source would otherwise fail every row one by one."""
    merged = {**settings.job_defaults(), **options.as_dict()}
    problems = []
    if merged["source"] not in settings.configured_sources:
        problems.append(
            {
                "field": "options.source",
                "message": f"source {merged['source']!r} is not configured here "
                f"(have: {', '.join(settings.configured_sources)}; set REVIEW_SOURCE)",
            }
        )
    missing = [s for s in merged["scorer_chain"] if s not in settings.configured_scorers]
    if missing:
        problems.append(
            {
                "field": "options.scorer_chain",
                "message": f"scorer(s) {', '.join(missing)} not configured here "
                f"(have: {', '.join(settings.configured_scorers)}; set SCORER or SCORER_CHAIN)",
            }
        )
    if problems:
        raise InvalidOptions(problems)
    return merged
