"""Run the stack in the foreground until Ctrl-C / SIGTERM, then stop everything it started."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from internal.platform.config import Settings
from internal.platform.signals import stop_on_signals
from internal.platform.stack.children import ChildExited
from internal.platform.stack.proc import die_with_parent
from internal.platform.stack.runner import Stack

# Extra work to run while the stack is up: the worker (in-process under `make up`, a child under `make run`), the API.
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
    # A whole line a user can paste into a shell (the comment included).
    lines.append(f"{temporal_cli_env(stack.settings, stack.temporal_address)}   # for .venv/bin/temporal …")
    return "\n".join(lines)


def temporal_cli_env(settings: Settings, address: str) -> str:
    """What points the `temporal` CLI (.venv/bin/temporal) at this stack's server: it reads these variables, and
    without them it asks 127.0.0.1:7233 whatever port the stack took."""
    exports = [f"TEMPORAL_ADDRESS={address}"]
    if settings.temporal_namespace != "default":
        exports.append(f"TEMPORAL_NAMESPACE={settings.temporal_namespace}")
    return "export " + " ".join(exports)


async def run_foreground(
    settings: Settings,
    services: Sequence[Service] = (),
    banner: str = "",
    ready: Callable[[Stack], Coroutine[Any, Any, None]] | None = None,
) -> int:
    """0 after a clean Ctrl-C / SIGTERM; non-zero when a service failed (and then everything else is stopped).

    ready: awaited, while the services start, before "Stack is up" is printed (e.g. until the API listens).
    """
    # If `make` is killed outright we must not linger holding ports: have SIGTERM come to us instead.
    die_with_parent()
    with stop_on_signals() as stop:
        return await _run(settings, stop, services, banner, ready)


async def _run(
    settings: Settings,
    stop: asyncio.Event,
    services: Sequence[Service],
    banner: str,
    ready: Callable[[Stack], Coroutine[Any, Any, None]] | None,
) -> int:
    stack = Stack(settings)
    code = 0
    await stack.start()  # stops what it started if it fails part-way
    try:
        print(describe(stack), flush=True)
        tasks = [asyncio.create_task(svc(stack, stop)) for svc in services]
        waiter = asyncio.create_task(stop.wait())
        if ready is not None:
            readiness = asyncio.create_task(ready(stack))
            await asyncio.wait([readiness, waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
            if not readiness.done():
                readiness.cancel()
                stop.set()
            elif readiness.exception() is not None:
                print(f"the stack did not get ready: {readiness.exception()}", file=sys.stderr, flush=True)
                code = 1
                stop.set()
        if not stop.is_set():
            if banner:
                print(banner, flush=True)
            print("Stack is up. Press Ctrl-C to stop.", flush=True)
        await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            failure = task.exception()
            if failure is not None:
                print(f"service failed: {failure}", file=sys.stderr, flush=True)
                code = failure.returncode if isinstance(failure, ChildExited) and failure.returncode > 0 else 1
        waiter.cancel()
    finally:
        print("Stopping…", flush=True)
        stack.stop()
        print("Stopped.", flush=True)
    return code
