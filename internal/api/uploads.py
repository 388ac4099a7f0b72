"""Where signed-URL uploads go: the API's own disk (HMAC-signed, expiring PUT URLs) or S3 (presigned PUTs).

Local URLs have the same shape as an S3 presigned PUT, so clients of the old API work unchanged either way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

UPLOAD_TTL_SECONDS = 15 * 60


def load_or_create_key(data_dir: Path) -> bytes:
    """A per-installation secret kept in DATA_DIR, so URLs stay valid across restarts of the API."""
    path = data_dir / "upload-signing.key"
    if path.exists():
        return path.read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


class UploadSigner:
    def __init__(self, key: bytes, ttl_seconds: int = UPLOAD_TTL_SECONDS) -> None:
        self._key = key
        self.ttl = ttl_seconds

    def _mac(self, job_id: str, expires: int) -> str:
        digest = hmac.new(self._key, f"{job_id}:{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, job_id: str, now: float | None = None) -> tuple[str, int]:
        expires = int((time.time() if now is None else now) + self.ttl)
        return f"{expires}.{self._mac(job_id, expires)}", expires

    def verify(self, job_id: str, token: str, now: float | None = None) -> str | None:
        """None when valid, else why not (for the 403 message)."""
        expires_s, _, mac = token.partition(".")
        if not expires_s.isdigit() or not mac:
            return "malformed upload token"
        if not hmac.compare_digest(mac, self._mac(job_id, int(expires_s))):
            return "upload token does not match this job"
        if int(expires_s) < (time.time() if now is None else now):
            return "upload URL has expired; ask for a new one"
        return None


@dataclass(frozen=True)
class UploadTarget:
    url: str
    expires_at: int  # epoch seconds
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/csv"})


class UploadStore(Protocol):
    kind: str

    async def target(self, job_id: str, api_base: str) -> UploadTarget:
        """Where the client PUTs the CSV of this job."""
        ...

    async def exists(self, job_id: str) -> bool: ...

    def open(self, job_id: str) -> AbstractAsyncContextManager[Path]:
        """The uploaded CSV as a local file for the intake (fetched first when it lives elsewhere)."""
        ...


class LocalUploads:
    """Uploads PUT to the API itself (`/api/v1/uploads/{job_id}?token=…`) and kept under DATA_DIR."""

    kind = "local"

    def __init__(self, root: Path, signer: UploadSigner) -> None:
        self.root = root
        self.signer = signer

    def path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.csv"

    async def target(self, job_id: str, api_base: str) -> UploadTarget:
        token, expires = self.signer.sign(job_id)
        return UploadTarget(url=f"{api_base}/api/v1/uploads/{job_id}?token={token}", expires_at=expires)

    async def exists(self, job_id: str) -> bool:
        return self.path(job_id).exists()

    @asynccontextmanager
    async def open(self, job_id: str) -> AsyncIterator[Path]:
        yield self.path(job_id)
