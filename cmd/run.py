"""`make run`: the whole service in the foreground — embedded Temporal and PostgreSQL (unless
TEMPORAL_HOST_PORT / DATABASE_URL point elsewhere), then the worker (cmd/worker.py) and the HTTP API
(cmd/server.py) as two child processes attached to them. Ctrl-C or SIGTERM stops everything; if the worker or
the API dies, the rest is stopped and the exit status is non-zero."""

from __future__ import annotations

import argparse
import asyncio
import sys

from internal.app.wiring import build_adapters
from internal.http.serve import check_api_settings
from internal.platform.config import load_settings
from internal.platform.logs import configure_logging
from internal.platform.stack.children import API, WORKER
from internal.platform.stack.foreground import run_foreground
from internal.platform.stack.proc import wait_for_port
from internal.platform.stack.runner import Stack
from internal.platform.startup import guarded

READY_TIMEOUT_S = 60.0


async def _main() -> int:
    settings = load_settings()
    check_api_settings(settings)
    # Built here only to refuse a bad adapter setting (exit 2) before anything starts; the worker builds its own.
    await build_adapters(settings).aclose()

    async def api_listening(stack: Stack) -> None:
        await wait_for_port(settings.api_host, settings.api_port, READY_TIMEOUT_S, alive=lambda: True)

    base = f"http://{settings.api_host}:{settings.api_port}"
    banner = f"API           : {base}/api/v1/jobs\nAPI docs      : {base}/docs"
    return await run_foreground(settings, [WORKER, API], banner=banner, ready=api_listening)


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__,
        epilog="Configuration: environment variables or .env (see README). API on API_HOST:API_PORT "
        "(127.0.0.1:8080); docs at /docs.",
    ).parse_args()
    configure_logging()
    return guarded(lambda: asyncio.run(_main()))


if __name__ == "__main__":
    sys.exit(main())
