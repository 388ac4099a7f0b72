"""Each adapter's own group of settings (Settings.walmart, …), built by internal/platform/config.py from the flat
environment variables: the environment keeps its flat names, and an adapter sees only what is its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr


@dataclass(frozen=True)
class WalmartSettings:
    base_url: str
    consumer_id: str | None
    key_version: str
    private_key_path: Path | None


@dataclass(frozen=True)
class HttpSourceSettings:
    url: str | None
    headers: SecretStr | None
    mapping: str | None


@dataclass(frozen=True)
class ReviewFileSettings:
    path: Path | None


@dataclass(frozen=True)
class ComprehendSettings:
    language: str


@dataclass(frozen=True)
class GeminiSettings:
    api_key: SecretStr | None
    model: str
    base_url: str | None
