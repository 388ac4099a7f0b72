"""What every entry point shares: what it prints when it cannot start (how it stops: signals.py).

Every cmd/ script runs its main through `guarded`, so the wording and the exit codes live here only:
2 = configuration the user must change (the convention of cmd/ since SettingsError), 1 = anything else.
SHOW_TRACEBACK=1 prints the traceback as well, for a bug report.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import NoReturn

from internal.platform.config import SettingsError
from internal.platform.stack.datadir import DataDirBusy, DataDirUnwritable, DiskFull
from internal.platform.stack.proc import PortInUse, pid_alive
from internal.platform.temporal_client import TemporalUnreachable

EXIT_CONFIG = 2
EXIT_FAILURE = 1
DEBUG_VARIABLE = "SHOW_TRACEBACK"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups (asyncio.TaskGroup)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, BaseExceptionGroup):
            todo.extend(item.exceptions)
        for linked in (item.__cause__, item.__context__):
            if linked is not None:
                todo.append(linked)


def _busy(exc: DataDirBusy) -> str:
    holder = f"pid {exc.pid}" if exc.pid else "another process"
    if exc.pid and not pid_alive(exc.pid):
        holder += " (exited; the servers it started are still stopping: retry in a few seconds)"
    return (
        f"DATA_DIR {exc.data_dir} is in use by another stack ({holder}): stop it, or set DATA_DIR "
        "(and TEMPORAL_EMBEDDED_PORT, API_PORT) to run a second one"
    )


def explain(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for a failure we know how to explain, or None for a bug (keep the traceback)."""
    for item in _chain(exc):
        if isinstance(item, SettingsError):
            return EXIT_CONFIG, str(item)
        if isinstance(item, DataDirBusy):
            return EXIT_CONFIG, _busy(item)
        if isinstance(item, PortInUse):
            return EXIT_CONFIG, (
                f"{item.setting} {item.port} is already in use: stop what runs there or set {item.setting}"
            )
        if isinstance(item, DataDirUnwritable):
            return EXIT_CONFIG, (
                f"DATA_DIR {item.data_dir} is not writable ({item.err.strerror}): "
                "fix its permissions or set DATA_DIR to a writable directory"
            )
        if isinstance(item, DiskFull):
            return EXIT_FAILURE, (
                f"no space left for DATA_DIR {item.data_dir} ({item.free_bytes // (1024 * 1024)} MiB free): "
                "free some space or set DATA_DIR on a disk with room"
            )
        if isinstance(item, OSError) and item.errno == errno.ENOSPC:
            where = f" ({item.filename})" if item.filename else ""
            return EXIT_FAILURE, f"no space left on device{where}: free some space or move DATA_DIR"
        if isinstance(item, TemporalUnreachable):
            return EXIT_FAILURE, (
                f"cannot reach Temporal at {item.address}: start it (`make up`) or fix TEMPORAL_HOST_PORT"
            )
    return None


def guarded(main: Callable[[], int]) -> int:
    """Run an entry point's main; a start-up failure we can explain becomes one line on stderr and an exit code."""
    try:
        return main()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        explained = explain(exc)
        if explained is None:
            raise
        code, message = explained
        if os.environ.get(DEBUG_VARIABLE):
            traceback.print_exc()
        print(f"error: {message}", file=sys.stderr, flush=True)
        return code


def exit_skipping_finalization(code: int) -> NoReturn:
    """Exit a process that made a Temporal client, once its main has returned and closed what it opened.

    The SDK's Rust bridge keeps native threads that can still hold Python thread states while the interpreter
    finalizes; now and then that aborts the process (SIGABRT, "Fatal Python error: PyGILState_Release",
    temporalio/sdk-python#300), turning a clean exit code into -6: the start-up test saw it once under load. Every
    resource is closed by its context manager before main returns, so nothing is left for finalization to do
    but flush the standard streams."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
