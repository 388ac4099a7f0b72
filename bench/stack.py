"""A throw-away stack for benchmarks and recording scripts: embedded PostgreSQL (migrated) and a headless Temporal
dev server on free ports under a new temporary folder, both stopped on exit whatever happens."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from internal.platform.migrate import apply_migrations
from internal.platform.stack.postgres import EmbeddedPostgres
from internal.platform.stack.proc import free_port
from internal.platform.stack.temporal_server import TemporalDevServer


@dataclass(frozen=True)
class ScratchStack:
    workdir: Path
    dsn: str
    server: TemporalDevServer


@asynccontextmanager
async def scratch_stack(prefix: str, *, server_metrics: bool = False) -> AsyncIterator[ScratchStack]:
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    pg = EmbeddedPostgres(workdir)
    server = TemporalDevServer(
        data_dir=workdir, port=free_port(), headless=True, metrics_port=free_port() if server_metrics else 0
    )
    try:
        dsn = await pg.start()
        await server.start()
        await apply_migrations(dsn)
        yield ScratchStack(workdir=workdir, dsn=dsn, server=server)
    finally:
        server.stop()
        pg.stop()
