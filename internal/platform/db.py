"""The one asyncpg pool every store of internal/state/ shares, and the database errors callers map.

Kept apart from the stores so that a store never opens its own pool: one pool means one connection budget
(`max_size`) for the whole process, whatever mix of jobs, rows, reviews and events it is busy with.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, Final, TypeVar

import asyncpg

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

# Values PostgreSQL refuses (a NUL byte in text, a date out of its range) come from the caller's input, not from a
# bug of ours: callers map this to "invalid input".
InvalidValue = asyncpg.exceptions.DataError


class DatabaseUnreachable(Exception):
    """A new connection to PostgreSQL could not be made (refused, no socket, timed out). The driver raises the bare
    OSError, which elsewhere would mean a file problem: naming it here keeps "the database is down" one thing."""


# PostgreSQL is not there right now (stopped, restarting, refusing connections, connection cut mid-call): callers
# answer "try again later", never "bug".
DATABASE_UNAVAILABLE: Final[tuple[type[Exception], ...]] = (
    DatabaseUnreachable,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
# The server's disk is full (SQLSTATE 53100).
DatabaseDiskFull = asyncpg.exceptions.DiskFullError


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(*args, **kwargs)
    except OSError as err:
        raise DatabaseUnreachable(f"cannot connect to PostgreSQL: {err.strerror or type(err).__name__}") from err


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release hook: nothing to undo. asyncpg's default runs a reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL) on every release, a second round trip for each of our one-statement calls; no statement
    here leaves session state behind (no SET, LISTEN or cursors; the intake lease releases its own advisory lock;
    the intake's temp table is meant to outlive the call), and asyncpg still rolls back a connection released
    mid-transaction."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session, connect=_connect
    )


def affected(status: str) -> int:
    """Rows a command touched, from its status tag ("INSERT 0 3", "DELETE 2")."""
    return int(status.rsplit(" ", 1)[1])


def from_record(cls: type[R], r: asyncpg.Record) -> R:
    """A state record from a row whose columns are named like its fields (other columns are left out; a field the
    row has no column for keeps its default, e.g. RowState.findings, which another store adds)."""
    columns = set(r.keys())
    return cls(**{f.name: r[f.name] for f in dataclasses.fields(cls) if f.name in columns})
