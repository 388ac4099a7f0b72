"""Service settings, read once at the entry point and passed down.

Variable names are a contract (DESIGN.md §3): other people's scripts and our acceptance checks set them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """Raised with one readable line per bad variable, so a user can fix the environment in one go."""


def _check_host_port(value: str | None, variable: str) -> str | None:
    if value is None or value == "":
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{variable} must look like host:port (e.g. 127.0.0.1:7233), got {value!r}")
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=1, le=65535)
    api_token: SecretStr | None = None

    data_dir: Path = Path(".data")

    # None means "start the embedded dev server on temporal_embedded_port".
    temporal_host_port: str | None = None
    temporal_embedded_port: int = Field(default=7233, ge=1, le=65535)
    temporal_namespace: str = "default"
    temporal_task_queue: str = "review-enrichment"
    temporal_ui_port: int = Field(default=8233, ge=0, le=65535)
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_api_key: SecretStr | None = None

    # None means "run the embedded PostgreSQL under data_dir".
    database_url: SecretStr | None = None

    # Worker concurrency: slots for activities and workflow tasks on this process.
    worker_max_concurrent_activities: int = Field(default=100, ge=1)
    worker_max_concurrent_workflow_tasks: int = Field(default=100, ge=1)

    review_source: Literal["demo", "walmart", "http", "file"] = "demo"
    scorer: Literal["vader", "comprehend", "gemini"] = "vader"
    upload_storage: Literal["local", "s3"] = "local"
    enricher: Literal["temporal", "channel"] = "temporal"

    @field_validator("temporal_host_port")
    @classmethod
    def _temporal_host_port(cls, value: str | None) -> str | None:
        return _check_host_port(value, "TEMPORAL_HOST_PORT")

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

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_host_port is None

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def temporal_address(self) -> str:
        return self.temporal_host_port or f"127.0.0.1:{self.temporal_embedded_port}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment (and .env), turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            variable = "_".join(str(p) for p in err["loc"]).upper() or "settings"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{variable}: {message}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
