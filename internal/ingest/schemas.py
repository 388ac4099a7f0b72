"""The wire shapes of /api/v1/reviews, /api/v1/dead-letters and /api/v1/products (OpenAPI at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class DeadLetterReason(BaseModel):
    position: int = Field(description="0-based index of the review in the batch (NDJSON: among non-blank lines)")
    review_id: str | None
    reason: str = Field(description="reason code: missing_field, wrong_type, rating_out_of_range, ...")
    message: str


class PushAnswer(BaseModel):
    batch_id: str
    source: str
    received: int
    accepted: int = Field(description="stored now")
    duplicates: int = Field(description="already stored (same source and review_id), or repeated in this batch")
    dead_lettered: int
    dead_letters: list[DeadLetterReason]


class DeadLetterOut(BaseModel):
    dead_letter_id: int
    source: str
    reason: str
    message: str
    payload: dict[str, Any]
    origin: str = Field(description="push, or job (pulled by a job's row)")
    batch_id: str | None
    position: int | None
    job_id: str | None
    row_num: int | None
    product_id: str | None
    review_id: str | None
    received_at: datetime
    replayed_at: datetime | None
    replay_outcome: str | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    next_before: int | None = Field(description="pass as ?before= for the next (older) page")


class ReplayRequest(BaseModel):
    source: str | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ids: list[int] | None = Field(default=None, max_length=1000)
    limit: int = Field(default=1000, ge=1, le=1000)


class ReplayAnswer(BaseModel):
    examined: int
    stored: int
    duplicates: int
    still_invalid: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


class HistoryPoint(BaseModel):
    history_id: int = Field(description="the point's id: the product page's `a` and `b`")
    recorded_at: datetime
    origin: str
    job_id: str | None
    review_count: int
    mean_sentiment: float | None
    score_5: float | None
    interval: list[float | None] = Field(description="95 % interval of the mean sentiment [low, high]")
    label: str | None
    aspects: list[dict[str, Any]] | None = Field(
        description="the aspects this sentiment was published with (name, kind, mentions, mean_sentiment, "
        "ci95_low, ci95_high, positive/neutral/negative; no quotes); null for a point recorded before they were kept"
    )


class ProductOut(BaseModel):
    source: str
    product_id: str
    sentiment: dict[str, Any] | None = Field(description="the current product sentiment (all its fields)")
    interval: list[float | None]
    review_count: int
    updated_at: datetime | None
    updated_by: str | None = Field(description="live (the live sentiment of pushed or replayed reviews) or job")
    pending: bool = Field(description="pushed reviews not yet counted in the sentiment")
    reviews_from: dict[str, int] = Field(description="stored reviews by where they came from: push, jobs")
    history: list[HistoryPoint]
    findings: dict[str, Any] | None = Field(
        default=None,
        description="the product's latest aspects and evidence (from its last job, or from the live refresh of "
        "pushed reviews), with review_count and computed_at; null: none computed yet",
    )
