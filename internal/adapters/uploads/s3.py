"""S3 upload storage (UPLOAD_STORAGE=s3): the client PUTs the CSV straight to S3 with a presigned URL.

`start` downloads the object to a temporary file under DATA_DIR and feeds that to the intake: the object is
streamed to disk by boto3 in chunks (a 100 MB upload never sits in memory) and the CSV parser keeps its seekable,
byte-exact positions for error messages. boto3 is synchronous, so every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from internal.adapters.uploads.local import UPLOAD_TTL_SECONDS, UploadTarget


class S3Uploads:
    kind = "s3"

    def __init__(
        self,
        bucket: str,
        staging_dir: Path,
        *,
        prefix: str = "uploads/",
        ttl_seconds: int = UPLOAD_TTL_SECONDS,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.ttl = ttl_seconds
        self._staging = staging_dir
        # boto3 reads credentials, region and AWS_ENDPOINT_URL from the standard AWS variables.
        self._client = client if client is not None else boto3.client("s3")

    def key(self, job_id: str) -> str:
        return f"{self.prefix}{job_id}.csv"

    async def target(self, job_id: str, api_base: str) -> UploadTarget:
        # The signature covers Content-Type: the client must send exactly the header we return.
        params = {"Bucket": self.bucket, "Key": self.key(job_id), "ContentType": "text/csv"}
        url = await asyncio.to_thread(
            self._client.generate_presigned_url, "put_object", Params=params, ExpiresIn=self.ttl, HttpMethod="PUT"
        )
        return UploadTarget(url=str(url), expires_at=int(time.time()) + self.ttl)

    async def size(self, job_id: str) -> int | None:
        try:
            head = await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=self.key(job_id))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    @asynccontextmanager
    async def open(self, job_id: str) -> AsyncIterator[Path]:
        self._staging.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{job_id}-", suffix=".csv", dir=self._staging)
        path = Path(name)
        try:
            await asyncio.to_thread(self._download, self.key(job_id), fd)
            yield path
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    def _download(self, key: str, fd: int) -> None:
        with os.fdopen(fd, "wb") as fh:
            self._client.download_fileobj(self.bucket, key, fh)
