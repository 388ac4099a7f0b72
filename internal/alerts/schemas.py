"""Request and response bodies of the alert routes (internal/alerts/routes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from internal.alerts.contracts import Condition, ScopeKind
from internal.http.schemas import JOB_ID_PATTERN
from internal.platform.retry_after import MAX_RETRY_AFTER


def _plain_text(value: str) -> str:
    """PostgreSQL text holds no NUL, and UTF-8 no lone surrogate: refused here with a reason, not by the store."""
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("must not contain a NUL character or a lone surrogate")
    return value


def _webhook_url(value: str) -> str:
    _plain_text(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


WebhookUrl = Annotated[str, Field(max_length=2000), AfterValidator(_webhook_url)]


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ScopeKind = Field(description="all products; one schedule's runs; or one job's products")
    id: str | None = Field(None, pattern=JOB_ID_PATTERN, description="the schedule or job id (not for 'all')")

    @model_validator(mode="after")
    def _id_matches_kind(self) -> Scope:
        if self.kind == "all" and self.id is not None:
            raise ValueError("scope 'all' takes no id")
        if self.kind != "all" and self.id is None:
            raise ValueError(f"scope {self.kind!r} needs the {self.kind}'s id")
        return self


class CreateSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl = Field(description="where alerts are POSTed")
    conditions: list[Condition] = Field(min_length=1, max_length=3, description="what to be told about")
    scope: Scope = Field(default_factory=lambda: Scope(kind="all"))
    secret: Annotated[str, AfterValidator(_plain_text)] | None = Field(
        None, min_length=16, max_length=200, description="the HMAC key (generated when left out; answered once)"
    )


class SubscriptionOut(BaseModel):
    subscription_id: str
    url: str
    conditions: list[str]
    scope: dict[str, Any]
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="the HMAC key of X-Alert-Signature: shown here only")


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]


class AttemptOut(BaseModel):
    attempt: int
    attempted_at: datetime
    http_status: int | None
    error: str | None
    retry_after: float | None = Field(
        None,
        description="seconds the receiver's Retry-After asked for on a retryable answer (429, 503, …): the next "
        f"attempt comes no sooner (the wait is capped at {MAX_RETRY_AFTER:g} s)",
    )


class AlertOut(BaseModel):
    alert_id: str
    subscription_id: str
    kind: str
    status: Literal["pending", "delivered", "failed"]
    job_id: str | None
    schedule_id: str | None
    source: str | None
    product_id: str | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]
    attempts: list[AttemptOut]


class AlertList(BaseModel):
    alerts: list[AlertOut]
