"""Where signed-URL uploads go: the API's own disk (HMAC-signed, expiring PUT URLs) or S3 (presigned PUTs).

Local URLs have the same shape as an S3 presigned PUT, so clients of the old API work unchanged either way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import psutil

UPLOAD_TTL_SECONDS = 15 * 60
# A PUT in progress writes `.{job_id}-{pid}-{random}.part` next to the final file and renames it when complete.
PARTIAL_SUFFIX = ".part"


def partial_prefix(job_id: str) -> str:
    return f".{job_id}-{os.getpid()}-"


def partial_owner(name: str) -> int | None:
    """The pid that writes this partial upload, None when the name has none (a file from before pids)."""
    parts = name.removesuffix(PARTIAL_SUFFIX).split("-")
    return int(parts[-2]) if len(parts) >= 3 and parts[-2].isdecimal() else None


KEY_BYTES = 32


def load_or_create_key(data_dir: Path) -> bytes:
    """A per-installation secret kept in DATA_DIR, so URLs stay valid across restarts of the API.

    The key is written in full to a private temporary file and linked into place, so a second process starting
    at the same moment reads either no key or the whole key — never an empty file, which would sign with b"".
    """
    path = data_dir / "upload-signing.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".upload-signing-", dir=data_dir)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(KEY_BYTES))
            with contextlib.suppress(FileExistsError):  # another process won the race: use its key
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} is not a {KEY_BYTES}-byte upload signing key; delete it and a new one is made")
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
        # isdigit() alone admits "²"; compare_digest refuses non-ASCII str: both would be a 500, not a 403.
        if not (expires_s.isascii() and expires_s.isdecimal()) or not mac:
            return "malformed upload token"
        if not hmac.compare_digest(mac.encode(), self._mac(job_id, int(expires_s)).encode()):
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

    async def size(self, job_id: str) -> int | None:
        """Bytes uploaded for this job, None when nothing has been."""
        ...

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

    async def size(self, job_id: str) -> int | None:
        try:
            return self.path(job_id).stat().st_size
        except FileNotFoundError:
            return None

    @asynccontextmanager
    async def open(self, job_id: str) -> AsyncIterator[Path]:
        yield self.path(job_id)

    def sweep(self) -> list[Path]:
        """Delete partial uploads whose writer is no longer running (an API SIGKILLed mid-PUT)."""
        removed: list[Path] = []
        for path in self.root.glob(f".*{PARTIAL_SUFFIX}") if self.root.is_dir() else ():
            owner = partial_owner(path.name)
            if owner is not None and owner != os.getpid() and psutil.pid_exists(owner):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
        return removed
