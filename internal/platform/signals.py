"""How every long-running entry point stops: SIGINT / SIGTERM set an event, and the process then unwinds what it
started (cmd/worker.py, cmd/server.py, the embedded stack's foreground run)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[asyncio.Event]:
    """An event set by Ctrl-C or SIGTERM, for the life of the block: the process then stops what it started in
    order (its AsyncExitStack) instead of dying wherever the signal found it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
