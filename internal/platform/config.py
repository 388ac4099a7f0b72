"""Service settings, read once at the entry point and passed down.

Variable names are a contract (the table in README.md, "Configuration", and docs/architecture.md, "Contracts"):
other people's scripts and our acceptance checks set them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from internal.domain.options import (
    DEFAULT_SCORER_CHAIN,
    DEFAULT_SOURCE,
    OFFLINE_SCORERS,
    SCORER_NAMES,
    SOURCE_NAMES,
    AspectProviderName,
    ScorerName,
    SourceName,
)
from internal.domain.reuse import DEFAULT_REVIEW_MAX_AGE, parse_duration
from internal.platform.adapter_settings import (
    ComprehendSettings,
    GeminiSettings,
    HttpSourceSettings,
    ReviewFileSettings,
    WalmartSettings,
)

# Activity and workflow-task slots of one worker process: at least a job's default window (100), so every
# in-flight product of a job can have its step running at once.
DEFAULT_WORKER_SLOTS = 100


class SettingsError(Exception):
    """Raised with one readable line per bad variable, so a user can fix the environment in one go."""


def _check_host_port(value: str | None, variable: str) -> str | None:
    if value is None or value == "":
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{variable} must look like host:port (e.g. 127.0.0.1:7233), got {value!r}")
    return value


def parse_rate_limits(value: str | None) -> dict[str, float]:
    """SOURCE_RATE_LIMITS (`walmart=5,http=20`: requests per second per source) as {source: rate}; unset or
    empty: no limit. A bad entry raises ValueError naming it, so the process refuses to start."""
    limits: dict[str, float] = {}
    for entry in (value or "").split(","):
        if not entry.strip():
            continue
        name, sep, rate_text = (part.strip() for part in entry.partition("="))
        if not sep or not name:
            raise ValueError(f"entry {entry.strip()!r} is not SOURCE=REQUESTS_PER_SECOND (e.g. walmart=5)")
        if name not in SOURCE_NAMES:
            raise ValueError(f"entry {entry.strip()!r} names unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}")
        if name in limits:
            raise ValueError(f"entry {entry.strip()!r}: source {name!r} is given twice")
        try:
            rate = float(rate_text)
        except ValueError:
            rate = math.nan
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"entry {entry.strip()!r}: the rate must be a positive number of requests per second")
        limits[name] = rate
    return limits


DEFAULT_API_URL = "http://127.0.0.1:8080"


class ApiAccess(BaseSettings):
    """Where the API is and its token: all a client of the API (the `enrich` CLI, `make demo`) reads, so a service
    setting it has no use for never stops it. The service's Settings extend it, so both read the same variables
    from the same places by one rule: the environment, then `.env` in the working directory (the environment
    wins; a command-line flag, where there is one, wins over both)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    # The API's token: the one the service requires, and the one a client sends.
    api_token: SecretStr | None = None
    # Where a client finds the API (the service itself listens on API_HOST:API_PORT).
    api_url: str | None = None

    @field_validator("api_token", mode="before")
    @classmethod
    def _api_token(cls, value: object) -> object:
        # `API_TOKEN=` must mean "no token" (and so loopback only), never "the empty string is the token":
        # an empty bearer would otherwise match it.
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if raw is None or (isinstance(raw, str) and not raw.strip()) else value

    @property
    def url(self) -> str:
        return (self.api_url or DEFAULT_API_URL).rstrip("/")

    @property
    def token(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token else None


class Settings(ApiAccess):
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)

    data_dir: Path = Path(".data")
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    # Below this much free space under DATA_DIR, /healthz reports the disk and new jobs get a 507: the embedded
    # PostgreSQL and the upload files live there, and a write that fails half-way is worse than a clear refusal.
    min_free_disk_mb: int = Field(default=100, ge=0)
    # Longest wait for the next piece of a request body: a client that sends less than its Content-Length gets a
    # 408 after this, instead of holding a connection (and an upload file) open for ever.
    body_read_timeout_seconds: float = Field(default=30.0, gt=0)

    # None means "start the embedded dev server on temporal_embedded_port".
    temporal_host_port: str | None = None
    temporal_embedded_port: int = Field(default=7233, ge=1, le=65535)
    temporal_namespace: str = "default"
    temporal_task_queue: str = "review-enrichment"
    temporal_ui_port: int = Field(default=8233, ge=0, le=65535)
    # Where the web page links a job's workflow; unset = the embedded UI on temporal_ui_port, when it runs.
    temporal_ui_url: str | None = None
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_api_key: SecretStr | None = None

    # None means "run the embedded PostgreSQL under data_dir".
    database_url: SecretStr | None = None

    # Worker concurrency: slots for activities and workflow tasks on this process.
    worker_max_concurrent_activities: int = Field(default=DEFAULT_WORKER_SLOTS, ge=1)
    # The worker's Temporal SDK metrics as Prometheus text on 127.0.0.1:<port>/metrics; unset: none.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_max_concurrent_workflow_tasks: int = Field(default=DEFAULT_WORKER_SLOTS, ge=1)

    review_source: SourceName = DEFAULT_SOURCE
    # Requests per second per source across all worker processes, e.g. "walmart=5,http=20"; unset = no limit.
    # Every process (workers and the API that starts jobs) must be given the same value (docs/sources.md).
    source_rate_limits: str | None = None
    # One scorer for every job (no escalation); unset with SCORER_CHAIN unset: DEFAULT_SCORER_CHAIN (lexical,e5).
    scorer: ScorerName | None = None
    # Escalation chain for the feedback loop, cheapest first (e.g. "vader,comprehend,gemini"); unset = SCORER alone.
    scorer_chain: str | None = None
    # Reuse a product's reviews fetched within this long by an earlier job instead of fetching them again
    # (seconds, or 90s / 15m / 24h / 7d; 0 = always fetch). A job's `review_max_age` option overrides it.
    review_max_age: int = DEFAULT_REVIEW_MAX_AGE
    # Who names a product's aspects (docs/aspects.md, "Providers"): offline (our vocabulary), or Comprehend's
    # targeted sentiment, or Gemini (checked against the reviews); configured as for the scorer of that name.
    aspects: AspectProviderName = "offline"
    upload_storage: Literal["local", "s3"] = "local"
    # Retired: jobs always run on Temporal. Still read, only so that a leftover ENRICHER stops the process with
    # what to do, rather than being ignored while the user believes the old in-process pipeline runs.
    enricher: None = None

    # Walmart affiliate reviews (REVIEW_SOURCE=walmart).
    walmart_base_url: str = "https://developer.api.walmart.com/api-proxy/service/affil/product/v2"
    wm_consumer_id: str | None = None
    wm_key_version: str = "1"
    wm_private_key_path: Path | None = None

    # Any JSON review API (REVIEW_SOURCE=http): a URL template with {product_id} and {page} or {cursor}, extra
    # headers as a JSON object (secret: they usually carry API keys), and a field mapping as JSON or @file.
    reviews_http_url: str | None = None
    reviews_http_headers: SecretStr | None = None
    reviews_http_mapping: str | None = None

    # Exported reviews (REVIEW_SOURCE=file): CSV or JSONL of product_id, review_id, text, rating, date.
    reviews_file: Path | None = None

    # AWS Comprehend (SCORER=comprehend); credentials, region and AWS_ENDPOINT_URL come from the standard
    # AWS variables that boto3 reads itself.
    comprehend_language: str = "en"

    # Gemini (SCORER=gemini).
    gemini_api_key: SecretStr | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None

    # S3 upload storage (UPLOAD_STORAGE=s3).
    s3_bucket: str | None = None

    @field_validator("temporal_host_port")
    @classmethod
    def _temporal_host_port(cls, value: str | None) -> str | None:
        return _check_host_port(value, "TEMPORAL_HOST_PORT")

    @field_validator("enricher", mode="before")
    @classmethod
    def _enricher_retired(cls, value: object) -> None:
        if value not in (None, ""):
            raise ValueError(
                "is no longer read: jobs always run on Temporal (the in-process channel pipeline is only a "
                "benchmark baseline now, bench/channel_enricher.py); remove ENRICHER from the environment and .env"
            )

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str):
            raise ValueError("DATABASE_URL must be a string")
        parts = urlsplit(raw)
        if parts.scheme not in ("postgresql", "postgres"):
            # Never echo the URL itself: it usually carries a password.
            raise ValueError(
                f"DATABASE_URL must start with postgresql:// or postgres:// (got scheme {parts.scheme or 'none'!r})"
            )
        return raw

    @field_validator("review_max_age", mode="before")
    @classmethod
    def _review_max_age(cls, value: object) -> int:
        return parse_duration(value)

    @field_validator("scorer_chain")
    @classmethod
    def _scorer_chain(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in SCORER_NAMES]
        if unknown:
            raise ValueError(
                f"SCORER_CHAIN names unknown scorer(s) {', '.join(unknown)}; known: {', '.join(SCORER_NAMES)}"
            )
        return ",".join(names)

    @field_validator("source_rate_limits")
    @classmethod
    def _source_rate_limits(cls, value: str | None) -> str | None:
        return value if parse_rate_limits(value) else None

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        # Checked with the rest of the environment, so `make run` refuses to start rather than failing at the
        # first signed-URL request.
        if self.upload_storage == "s3" and not self.s3_bucket:
            raise ValueError("UPLOAD_STORAGE=s3 needs S3_BUCKET")
        return self

    @property
    def walmart(self) -> WalmartSettings:
        return WalmartSettings(
            self.walmart_base_url, self.wm_consumer_id, self.wm_key_version, self.wm_private_key_path
        )

    @property
    def reviews_http(self) -> HttpSourceSettings:
        return HttpSourceSettings(self.reviews_http_url, self.reviews_http_headers, self.reviews_http_mapping)

    @property
    def review_file(self) -> ReviewFileSettings:
        return ReviewFileSettings(self.reviews_file)

    @property
    def comprehend(self) -> ComprehendSettings:
        return ComprehendSettings(self.comprehend_language)

    @property
    def gemini(self) -> GeminiSettings:
        return GeminiSettings(self.gemini_api_key, self.gemini_model, self.gemini_base_url)

    @property
    def rate_limits(self) -> dict[str, float]:
        """SOURCE_RATE_LIMITS as {source: requests per second} (validated at start-up)."""
        return parse_rate_limits(self.source_rate_limits)

    @property
    def scorers_in_chain(self) -> list[str]:
        """The escalation chain jobs get by default: SCORER_CHAIN, else SCORER alone, else DEFAULT_SCORER_CHAIN."""
        if self.scorer_chain:
            return self.scorer_chain.split(",")
        return [self.scorer] if self.scorer else list(DEFAULT_SCORER_CHAIN)

    @property
    def configured_sources(self) -> list[str]:
        # The offline demo source is always there, so `make demo` works whatever else is configured.
        return sorted({"demo", self.review_source})

    @property
    def configured_scorers(self) -> list[str]:
        # The offline scorers are free and need no settings: always available as rungs of any chain.
        return sorted({*OFFLINE_SCORERS, *self.scorers_in_chain})

    def job_defaults(self) -> dict[str, object]:
        """Options every new job starts from; the job's own options override them."""
        return {
            "source": self.review_source,
            "scorer_chain": self.scorers_in_chain,
            "review_max_age": self.review_max_age,
        }

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_host_port is None

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def temporal_address(self) -> str:
        return self.temporal_host_port or f"127.0.0.1:{self.temporal_embedded_port}"

    @property
    def temporal_ui(self) -> str | None:
        """TEMPORAL_UI_URL, else the embedded server's UI (none when it runs headless: port 0, or not ours)."""
        if self.temporal_ui_url:
            return self.temporal_ui_url.rstrip("/")
        if self.embedded_temporal and self.temporal_ui_port:
            return f"http://127.0.0.1:{self.temporal_ui_port}"
        return None


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment (and .env), turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            variable = "_".join(str(p) for p in err["loc"]).upper()
            message = err["msg"].removeprefix("Value error, ")
            # A check across variables (no loc) names them in its own message.
            lines.append(f"{variable}: {message}" if err["loc"] else message)
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
