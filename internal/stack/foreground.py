"""Run the stack in the foreground until Ctrl-C / SIGTERM, then stop everything it started."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from internal.config import Settings
from internal.stack.proc import die_with_parent
from internal.stack.runner import Stack

# Extra work to run while the stack is up (the worker and the API join here in later steps).
Service = Callable[[Stack, asyncio.Event], Coroutine[Any, Any, None]]


def describe(stack: Stack) -> str:
    lines = [
        f"Temporal gRPC : {stack.temporal_address}" + ("" if stack.temporal else "  (external)"),
        f"Temporal UI   : {stack.temporal_ui_url or '(not started)'}",
        f"Postgres URI  : {stack.database_url if stack.postgres else '(external DATABASE_URL)'}",
        f"Data dir      : {stack.data_dir}",
    ]
    if stack.migrations_applied:
        lines.append(f"Migrations    : applied {', '.join(stack.migrations_applied)}")
    return "\n".join(lines)


async def run_foreground(settings: Settings, services: Sequence[Service] = (), banner: str = "") -> int:
    # If `make` is killed outright we must not linger holding ports: have SIGTERM come to us instead.
    die_with_parent()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stack = Stack(settings)
    try:
        await stack.start()
        print(describe(stack), flush=True)
        tasks = [asyncio.create_task(svc(stack, stop)) for svc in services]
        if banner:
            print(banner, flush=True)
        print("Stack is up. Press Ctrl-C to stop.", flush=True)
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        for task in tasks:
            if task in done and task.exception() is not None:
                print(f"service failed: {task.exception()!r}", file=sys.stderr)
        await asyncio.gather(*tasks, return_exceptions=True)
        waiter.cancel()
    finally:
        print("Stopping…", flush=True)
        stack.stop()
        print("Stopped.", flush=True)
    return 0
