"""The local stack: embedded (or external) Temporal and PostgreSQL, migrated and ready.

`make up`, `make run` and the test suite all come through here, so the code that a newcomer runs is the code
the tests exercise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client

from internal.platform.config import Settings
from internal.platform.migrate import apply_migrations
from internal.platform.stack.datadir import DataDirLock, check_data_dir
from internal.platform.stack.postgres import EmbeddedPostgres
from internal.platform.stack.temporal_server import TemporalDevServer, ensure_search_attributes
from internal.platform.temporal_client import connect_client

log = logging.getLogger(__name__)


@dataclass
class Stack:
    settings: Settings
    # Tests pass dynamic config (e.g. smaller history limits) to the embedded server.
    temporal_dynamic_config: tuple[str, ...] = ()
    temporal_headless: bool = False
    temporal: TemporalDevServer | None = field(default=None, init=False)
    postgres: EmbeddedPostgres | None = field(default=None, init=False)
    database_url: str = field(default="", init=False)
    migrations_applied: list[str] = field(default_factory=list, init=False)
    lock: DataDirLock | None = field(default=None, init=False)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir.resolve()

    @property
    def temporal_address(self) -> str:
        return self.settings.temporal_address

    @property
    def temporal_ui_url(self) -> str | None:
        return self.temporal.ui_url if self.temporal else None

    @property
    def _lock_fds(self) -> tuple[int, ...]:
        return () if self.lock is None or self.lock.fd is None else (self.lock.fd,)

    async def __aenter__(self) -> Stack:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop()

    async def start(self) -> None:
        try:
            check_data_dir(self.data_dir)
            # Before anything starts: a second stack on this DATA_DIR must not touch the first one's servers.
            self.lock = DataDirLock(self.data_dir)
            self.lock.acquire()
            temporal = self._embedded_temporal()
            if temporal is not None:
                temporal.check_ports()  # before Postgres starts, so a taken port costs nothing
            await self._start_postgres()
            if temporal is not None:
                self.temporal = temporal
                await temporal.start()
            else:
                await self._register_search_attributes()
        except BaseException:
            self.stop()
            raise

    async def _start_postgres(self) -> None:
        if self.settings.database_url is not None:
            self.database_url = self.settings.database_url.get_secret_value()
        else:
            self.postgres = EmbeddedPostgres(self.data_dir)
            self.database_url = await self.postgres.start()
            self.postgres.stop_if_i_die(pass_fds=self._lock_fds)
        self.migrations_applied = await apply_migrations(self.database_url)

    def _embedded_temporal(self) -> TemporalDevServer | None:
        if not self.settings.embedded_temporal:
            return None
        return TemporalDevServer(
            data_dir=self.data_dir,
            port=self.settings.temporal_embedded_port,
            ui_port=self.settings.temporal_ui_port,
            namespace=self.settings.temporal_namespace,
            headless=self.temporal_headless or self.settings.temporal_ui_port == 0,
            dynamic_config=self.temporal_dynamic_config,
            # The server keeps the DATA_DIR lock held until it has exited too, even if we die first.
            pass_fds=self._lock_fds,
        )

    async def _register_search_attributes(self) -> None:
        client = await self.client()
        added = await ensure_search_attributes(client, self.settings.temporal_namespace)
        if added:
            log.info("registered search attributes %s on %s", added, self.temporal_address)

    async def client(self) -> Client:
        return await connect_client(self.settings)

    def stop(self) -> None:
        # Temporal first: its workers may still be writing through Postgres.
        if self.temporal is not None:
            self.temporal.stop()
            self.temporal = None
        if self.postgres is not None:
            # The stack owns what it started: pids of other processes still registered must not keep it up.
            self.postgres.stop(owner=True)
            self.postgres = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None
