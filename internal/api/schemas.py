"""Request and response bodies of the HTTP API (they make up the OpenAPI document at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ScorerName = Literal["vader", "comprehend", "gemini"]
SourceName = Literal["demo", "walmart", "http", "file"]


class PolicyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_reviews: int = Field(5, ge=1, le=10_000)
    max_ci_width: float = Field(0.6, gt=0, le=2)
    max_uncertain_share: float = Field(0.5, ge=0, le=1)
    min_agreement: float = Field(0.6, ge=0, le=1)


class JobOptions(BaseModel):
    """Per-job knobs. Anything left out takes the service default."""

    model_config = ConfigDict(extra="forbid")

    window: int | None = Field(None, ge=1, le=1000, description="products enriched at once (default 100)")
    pages_per_attempt: int | None = Field(None, ge=1, le=100, description="review pages read per attempt")
    max_retries: int | None = Field(None, ge=1, le=10, description="attempts before a weak result is accepted")
    scorer_chain: list[ScorerName] | None = Field(None, min_length=1, max_length=3)
    source: SourceName | None = None
    policy: PolicyOptions | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    product_id: str = Field(max_length=1000)
    name: str | None = None
    url: str | None = None
    source: str | None = None


class CreateJobJson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: list[ProductIn | str] = Field(min_length=1, max_length=100_000)
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


class ProgressOut(Counts):
    job_id: str
    status: str
    total: int
    done: int
    percent: float
    eta_seconds: float | None
    rows_per_second: float | None


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


class ResultPage(BaseModel):
    job_id: str
    results: list[ResultRow]
    next_after: int | None


class SignedUrlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str | None = Field(None, max_length=255)
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
