"""Request and response bodies of the HTTP API (they make up the OpenAPI document at /docs)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    Tag,
    model_validator,
)

from internal.domain.options import FeedbackPolicy, JobRunOptions, ScorerName, SourceName
from internal.domain.reuse import parse_duration
from internal.intake import DEFAULT_LIMITS

# Strict: JSON `true` is not the number 1, nor "5" the number 5.
StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]
# Longer than the intake's own id limit (200), so an id in between is stored as an invalid row with its reason,
# as in a CSV; past this the request itself is refused, naming the limit.
MAX_JSON_ID_CHARS = 1000
# The job id syntax of every id this service hands out (uuid hex, 12 or 16 characters) with room to spare; a
# path id outside it names no job and never reaches the database.
JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
JOB_ID_RULE = "1 to 64 letters, digits, '-' or '_'"
# Every {job_id} in a path: one that cannot be a job id is a 404 with our message, never a database error.
JobIdPath = Annotated[str, Path(pattern=JOB_ID_PATTERN, description="the job id a create answered with")]
RowPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="the row number in the uploaded spreadsheet (header: 1)")]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character (\\u0000)")
    return value


_FIELD = DEFAULT_LIMITS.max_field_chars
# The length is checked first, so a 10 MB string is refused for its length without being scanned.
ProductId = Annotated[str, StringConstraints(max_length=MAX_JSON_ID_CHARS), AfterValidator(_no_nul)]
FieldText = Annotated[str, StringConstraints(max_length=_FIELD), AfterValidator(_no_nul)]
FileName = Annotated[str, StringConstraints(max_length=255), AfterValidator(_no_nul)]


def _duration(value: int | str) -> int:
    return parse_duration(value)


_POLICY = FeedbackPolicy()
_RUN = JobRunOptions()


class PolicyOptions(BaseModel):
    """The feedback thresholds (internal/domain/options.py FeedbackPolicy, which holds the defaults)."""

    model_config = ConfigDict(extra="forbid")

    min_reviews: StrictInt = Field(_POLICY.min_reviews, ge=1, le=10_000)
    max_ci_width: StrictFloat = Field(_POLICY.max_ci_width, gt=0, le=2)
    max_uncertain_share: StrictFloat = Field(_POLICY.max_uncertain_share, ge=0, le=1)
    min_agreement: StrictFloat = Field(_POLICY.min_agreement, ge=0, le=1)


class JobOptions(BaseModel):
    """Per-job knobs. Anything left out takes the service default (internal/domain/options.py)."""

    model_config = ConfigDict(extra="forbid")

    window: StrictInt | None = Field(
        None, ge=1, le=1000, description=f"products enriched at once (default {_RUN.window})"
    )
    pages_per_attempt: StrictInt | None = Field(None, ge=1, le=100, description="review pages read per attempt")
    max_retries: StrictInt | None = Field(None, ge=1, le=10, description="attempts before a weak result is accepted")
    scorer_chain: list[ScorerName] | None = Field(None, min_length=1, max_length=3)
    source: SourceName | None = None
    policy: PolicyOptions | None = None
    review_max_age: Annotated[StrictInt | str, AfterValidator(_duration)] | None = Field(
        None,
        description="reuse a product's reviews fetched within this long instead of fetching them again: seconds "
        "or 90s / 15m / 24h / 7d; 0 = always fetch (default REVIEW_MAX_AGE, 24h)",
        examples=["24h", 0],
    )
    refresh: StrictBool | None = Field(
        None,
        description="keep each product's stored reviews and fetch only newer ones (what a schedule's runs do); "
        "results then carry score_change and new_reviews",
    )

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ProductIn(BaseModel):
    """One product; fields beyond these are kept as extra input columns and echoed in the results."""

    model_config = ConfigDict(extra="allow")

    product_id: ProductId
    name: FieldText | None = None
    url: FieldText | None = None
    source: FieldText | None = None

    @model_validator(mode="after")
    def _extra_fields(self) -> ProductIn:
        # No length limit here: an extra field is only echoed, and the intake truncates it as it does a CSV cell.
        for key, value in (self.model_extra or {}).items():
            if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                raise ValueError(f"extra field {key!r} must not contain a NUL character (\\u0000)")
        return self


def _product_kind(value: Any) -> str:
    return "object" if isinstance(value, dict | ProductIn) else "id"


# Judged by its JSON type, so a bad item gets the one reason that applies, not one per possible shape.
ProductItem = Annotated[
    Annotated[ProductIn, Tag("object")] | Annotated[ProductId, Tag("id")], Discriminator(_product_kind)
]


class CreateJobJson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: list[ProductItem] = Field(
        min_length=1, max_length=100_000, description="product ids, or objects with a product_id"
    )
    options: JobOptions = Field(default_factory=JobOptions)


class InvalidRow(BaseModel):
    row: int
    column: int | None = None
    column_name: str | None = None
    reason: str


class JobCreated(BaseModel):
    job_id: str
    workflow_id: str | None
    status: str
    total_rows: int
    invalid_rows: int
    duplicate_rows: int
    invalid_samples: list[InvalidRow]
    links: dict[str, str]
    error: str | None = Field(None, description="why the job failed at once (no row could run: every row invalid)")
    warnings: list[InvalidRow] = Field(
        default_factory=list,
        description="rows kept and run with a cell truncated (an echoed column over the length limit); the row's "
        "reason in the results says it too",
    )


class Counts(BaseModel):
    pending: int = 0
    running: int = 0
    succeeded: int = 0
    low_confidence: int = 0
    no_reviews: int = 0
    failed: int = 0
    cancelled: int = 0
    invalid: int = 0
    duplicate: int = 0


class CostsOut(BaseModel):
    """What the job's finished rows spent (a row's costs join these when it finishes)."""

    source_requests: int = Field(0, description="requests sent to review sources, failed ones included")
    scorer_calls: int = Field(0, description="calls to scorers (one per batch of reviews)")
    reused_rows: int = Field(0, description="rows whose reviews were reused from an earlier job, not fetched")


class ProgressOut(Counts):
    """The facade's ProgressView (internal/jobs/facade.py) on the wire: the same fields, the row counts flat."""

    job_id: str
    status: str
    total: int
    done: int
    percent: float
    eta_seconds: float | None
    rows_per_second: float | None
    costs: CostsOut = Field(default_factory=CostsOut)
    error: str | None = Field(None, description="why the job failed, e.g. no row could run")

    @model_validator(mode="before")
    @classmethod
    def _flat_counts(cls, data: Any) -> Any:
        # A route may answer the facade's dataclass as it is (FastAPI turns it into a dict first).
        if dataclasses.is_dataclass(data) and not isinstance(data, type):
            data = dataclasses.asdict(data)
        if isinstance(data, dict) and isinstance(data.get("counts"), dict):
            data = {**{k: v for k, v in data.items() if k != "counts"}, **data["counts"]}
        return data


class JobOut(BaseModel):
    job_id: str
    status: str
    filename: str | None
    options: dict[str, Any]
    total_rows: int
    workflow_id: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ProgressOut | None = None


class JobList(BaseModel):
    jobs: list[JobOut]
    next_cursor: str | None


class ResultRow(BaseModel):
    row: int
    product_id: str | None
    status: str
    reason: str | None
    attempts: int
    duplicate_of: int | None
    input: dict[str, str]
    result: dict[str, Any] | None
    source_requests: int = 0
    scorer_calls: int = 0
    # Aspects and evidence behind the score (internal/domain/findings.py); null until the row is decided.
    findings: dict[str, Any] | None = None


class ResultPage(BaseModel):
    job_id: str
    results: list[ResultRow]
    next_after: int | None


class SignedUrlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: FileName | None = None
    options: JobOptions = Field(default_factory=JobOptions)


class SignedUrl(BaseModel):
    job_id: str
    upload_url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: datetime


class ActionResult(BaseModel):
    job_id: str
    status: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    postgres: str
    temporal: str
    disk: str
