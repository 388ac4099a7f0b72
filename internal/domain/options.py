"""A job's options, typed, with every default defined here once.

The API validates a request's `options` (internal/http/schemas.py), `resolve_job_options` lays them over the
service defaults and checks them against what this service has configured, and the result is stored with the job
as the sparse dict the client sees in `GET /jobs/{id}`. Starting a job parses that dict once
(`JobRunOptions.from_stored`); from there on the options travel typed: in `JobInput.enrichment` and
`EnrichmentInput.options` (frozen dataclasses serialise to the same JSON keys the dicts had, so recorded
histories replay).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from internal.domain.errors import ServiceError

SourceName = Literal["demo", "walmart", "http", "file"]
# Who names a product's aspects (ASPECTS): our vocabulary, or a provider (internal/adapters/aspects/).
AspectProviderName = Literal["offline", "comprehend", "gemini"]
# Cheapest first, as a chain is written (the web page lists them in this order).
ScorerName = Literal["vader", "lexical", "e5", "comprehend", "gemini"]
SOURCE_NAMES: tuple[str, ...] = get_args(SourceName)
SCORER_NAMES: tuple[str, ...] = get_args(ScorerName)
# The source of invented reviews (internal/adapters/sources/demo.py): results from it say so (`demo_data`).
DEMO_SOURCE: SourceName = "demo"
# What a job uses when neither it nor the service (REVIEW_SOURCE, SCORER / SCORER_CHAIN) says otherwise.
DEFAULT_SOURCE: SourceName = DEMO_SOURCE
DEFAULT_SCORER: ScorerName = "vader"
# The chain a job gets when neither it nor the service (SCORER, SCORER_CHAIN) names one: the lexical scorer, which
# beats VADER at VADER's cost, then e5 for the products whose result is still weak (docs/scorers.md has the figures).
DEFAULT_SCORER_CHAIN: tuple[ScorerName, ...] = ("lexical", "e5")
# In process, no keys, nothing downloaded: always built, so any chain may start with them (docs/scorers.md).
OFFLINE_SCORERS: tuple[ScorerName, ...] = ("vader", "lexical", "e5")


def fetch_task_queue(task_queue: str, source: str) -> str:
    """The task queue a rate-limited source's page fetches run on (SOURCE_RATE_LIMITS): its workers set the
    server-side dispatch rate, so the limit holds across every worker process. Shown in the Temporal UI."""
    return f"{task_queue}.fetch.{source}"


def rate_limited_queue(task_queue: str, source: str, rate_limited: Collection[str]) -> str | None:
    """The fetch queue of `source` when it is one of the rate-limited sources, else None (the workflow's queue)."""
    return fetch_task_queue(task_queue, source) if source in rate_limited else None


class InvalidOptions(ServiceError):
    """Options a job cannot run with; `problems` names each field and what is wrong with it."""

    status, code = 422, "invalid_options"

    def __init__(self, message: str, problems: list[dict[str, str]]) -> None:
        super().__init__(message, details=problems)
        self.problems = problems


@dataclass(frozen=True)
class FeedbackPolicy:
    """Per-job thresholds (API `options.policy`); defaults suit review counts of a typical shop."""

    min_reviews: int = 5
    max_ci_width: float = 0.6  # 95 % interval of the mean sentiment, on the -1..1 scale
    max_uncertain_share: float = 0.5  # neutral + mixed
    min_agreement: float = 0.6  # text label vs stars, when the source has stars


@dataclass(frozen=True)
class EnrichmentOptions:
    """What every row of a job is enriched with (`EnrichmentInput.options`)."""

    source: str = DEFAULT_SOURCE
    # Cheapest first: a weak result escalates to the next scorer, which rescores only what the last was unsure of.
    # Options built without a chain (jobs stored before chains were stored, tests) get VADER alone; a new job always
    # carries the service's chain (Settings.job_defaults).
    scorer_chain: tuple[str, ...] = (DEFAULT_SCORER,)
    pages_per_attempt: int = 3
    # Attempts before a weak result is accepted as it is (low_confidence).
    max_retries: int = 3
    policy: FeedbackPolicy = field(default_factory=FeedbackPolicy)
    # Set by the process that starts the job when SOURCE_RATE_LIMITS limits `source`: each page is then fetched
    # by one activity on this queue (one request per activity, so the queue's rate limit counts requests).
    # None: the whole attempt is one activity on the workflow's own queue. Never a stored or API option.
    fetch_task_queue: str | None = None
    # Reuse a product's reviews fetched within this many seconds (0: always fetch). None for jobs stored before
    # reuse existed, which therefore never reuse; new jobs get REVIEW_MAX_AGE (internal/domain/reuse.py).
    review_max_age: int | None = None
    # A refresh (a scheduled run) keeps the stored reviews and fetches only newer ones (docs/sources.md).
    refresh: bool = False

    @property
    def claims_reviews(self) -> bool:
        """Whether a row asks for its product's stored reviews before fetching (internal/domain/reuse.py)."""
        return self.refresh or bool(self.review_max_age)

    def scorer_at(self, escalation: int) -> str:
        return self.scorer_chain[min(escalation, len(self.scorer_chain) - 1)]

    def rescore_from(self, escalation: int) -> str | None:
        """The cheaper scorer whose unsure verdicts an escalated scorer looks at again (None: score everything)."""
        return self.scorer_chain[escalation - 1] if escalation > 0 else None


# EnrichmentOptions fields that the starting process fills from its own settings, never from a job's options.
_SET_AT_START = frozenset({"fetch_task_queue"})


@dataclass(frozen=True)
class JobRunOptions:
    """How the job workflow runs a job (`JobInput`), and what each of its rows gets."""

    window: int = 100  # products enriched at once
    page_size: int = 200  # row keys read per page from PostgreSQL
    max_children_per_run: int = 1000  # then the job workflow continues as new
    row_timeout_seconds: int = 1800  # one product, all its attempts
    enrichment: EnrichmentOptions = field(default_factory=EnrichmentOptions)

    @classmethod
    def from_stored(cls, options: Mapping[str, Any]) -> JobRunOptions:
        """Parse a job's stored options (run-level and per-row keys side by side; None or absent = the default)."""
        run_keys = {f.name for f in dataclasses.fields(cls)} - {"enrichment"}
        row_keys = {f.name for f in dataclasses.fields(EnrichmentOptions)} - _SET_AT_START
        unknown = set(options) - run_keys - row_keys
        if unknown:
            raise InvalidOptions(
                f"unknown job option(s): {', '.join(sorted(unknown))}",
                [{"field": f"options.{k}", "message": "unknown option"} for k in sorted(unknown)],
            )
        given = {k: v for k, v in options.items() if v is not None}
        row: dict[str, Any] = {k: v for k, v in given.items() if k in row_keys}
        if "scorer_chain" in row:
            row["scorer_chain"] = tuple(str(s) for s in row["scorer_chain"])
        if "policy" in row:
            row["policy"] = _policy(row["policy"])
        return cls(
            **{k: int(v) for k, v in given.items() if k in run_keys},
            enrichment=EnrichmentOptions(**row),
        )


def _policy(options: Mapping[str, Any]) -> FeedbackPolicy:
    known = {f.name for f in dataclasses.fields(FeedbackPolicy)}
    unknown = set(options) - known
    if unknown:
        raise InvalidOptions(
            f"unknown feedback policy option(s): {', '.join(sorted(unknown))}",
            [{"field": f"options.policy.{k}", "message": "unknown option"} for k in sorted(unknown)],
        )
    return FeedbackPolicy(**options)


def resolve_job_options(
    requested: Mapping[str, Any],
    defaults: Mapping[str, Any],
    *,
    sources: Collection[str],
    scorers: Collection[str],
) -> dict[str, Any]:
    """The service defaults under the job's own options, checked against the adapters this service has: a job
    naming an unconfigured source would otherwise fail every row one by one. Returns what is stored with the job."""
    merged = {**defaults, **requested}
    row = JobRunOptions.from_stored(merged).enrichment
    problems = []
    if row.source not in sources:
        problems.append(
            {
                "field": "options.source",
                "message": f"source {row.source!r} is not configured here "
                f"(have: {', '.join(sources)}; set REVIEW_SOURCE)",
            }
        )
    missing = [s for s in row.scorer_chain if s not in scorers]
    if missing:
        problems.append(
            {
                "field": "options.scorer_chain",
                "message": f"scorer(s) {', '.join(missing)} not configured here "
                f"(have: {', '.join(scorers)}; set SCORER or SCORER_CHAIN)",
            }
        )
    if problems:
        raise InvalidOptions("the job asks for something this service does not have", problems)
    return merged
