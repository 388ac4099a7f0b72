"""Settings of push ingestion and live sentiment (INGEST_* environment variables, or `.env`), kept out of
config.py. Built once by the entry point (internal/http/serve.py) and passed down; README "Configuration" lists
them."""

from __future__ import annotations

import json

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from internal.domain.review_validation import MAX_TEXT_CHARS


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INGEST_", env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # The source names that may push (POST /api/v1/reviews?source=...); any other is refused with 422.
    sources: str = "demo"
    # One push's body at most (413 over it), and reviews in it at most (422 over it).
    max_body_bytes: int = 5 * 1024 * 1024
    max_reviews: int = 5000
    max_review_chars: int = MAX_TEXT_CHARS
    # JSON object {source: secret}: pushes for these sources must carry a valid HMAC signature.
    webhook_secrets: SecretStr | None = None
    signature_window_seconds: int = 300
    # Live sentiment: products refreshed per activity, how long the API coalesces its wake-up signals, and how
    # often the idle workflow looks for dirty products anyway (a signal lost with a crashed API).
    live_batch_products: int = 100
    signal_coalesce_seconds: float = 0.5
    idle_poll_seconds: int = 60

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        if not names:
            raise ValueError("INGEST_SOURCES needs at least one source name")
        return ",".join(names)

    @field_validator("webhook_secrets")
    @classmethod
    def _secrets(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            data = json.loads(value.get_secret_value() or "{}")
            if not isinstance(data, dict) or not all(isinstance(v, str) and v for v in data.values()):
                raise ValueError('INGEST_WEBHOOK_SECRETS must be a JSON object {"source": "secret"}')
        return value

    @property
    def source_names(self) -> list[str]:
        return self.sources.split(",")

    def secret_for(self, source: str) -> str | None:
        if self.webhook_secrets is None:
            return None
        secret = json.loads(self.webhook_secrets.get_secret_value() or "{}").get(source)
        return str(secret) if secret else None
