"""Shared fixtures: one real PostgreSQL and (when asked for) one real Temporal dev server per test session,
both started through the same Stack code as `make up`, on free ports under a temporary DATA_DIR."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client

from internal.app.state import StateManager
from internal.platform.config import Settings
from internal.platform.migrate import apply_migrations, ensure_database, with_database
from internal.platform.stack.postgres import EmbeddedPostgres
from internal.platform.stack.proc import free_port
from internal.platform.stack.temporal_server import TemporalDevServer

# History limits lowered so continue-as-new paths run in seconds rather than after thousands of events.
TEST_DYNAMIC_CONFIG = ("limit.historyCount.suggestContinueAsNew=400",)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pg_server(session_dir: Path) -> AsyncIterator[str]:
    """URI of a running embedded PostgreSQL (server-level; tests get their own database)."""
    pg = EmbeddedPostgres(session_dir, database="postgres")
    uri = await pg.start()
    yield uri
    pg.stop()


async def new_database(server_uri: str) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    await ensure_database(server_uri, name)
    return with_database(server_uri, name)


@pytest_asyncio.fixture(loop_scope="session")
async def empty_db(pg_server: str) -> str:
    """A fresh, unmigrated database."""
    return await new_database(pg_server)


@pytest_asyncio.fixture(loop_scope="session")
async def db_url(empty_db: str) -> str:
    await apply_migrations(empty_db)
    return empty_db


@pytest_asyncio.fixture(loop_scope="session")
async def state(db_url: str) -> AsyncIterator[StateManager]:
    manager = await StateManager.connect(db_url, max_size=4)
    yield manager
    await manager.close()


@pytest.fixture(scope="session")
def temporal_server(session_dir: Path) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(
        data_dir=session_dir / "temporal", port=free_port(), headless=True, dynamic_config=TEST_DYNAMIC_CONFIG
    )
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_client(temporal_server: TemporalDevServer) -> Client:
    if temporal_server.pid is None:
        await temporal_server.start()
    return await Client.connect(temporal_server.address)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None)
