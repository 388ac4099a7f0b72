"""`make run`: the whole service in the foreground — embedded Temporal and PostgreSQL (unless
TEMPORAL_HOST_PORT / DATABASE_URL point elsewhere), the worker and the HTTP API. Ctrl-C stops everything."""

from __future__ import annotations

import argparse
import asyncio
import sys

from internal.api.serve import check_api_settings, serve_api
from internal.config import SettingsError, load_settings
from internal.logs import configure_logging
from internal.stack.foreground import run_foreground
from internal.stack.runner import Stack
from internal.wiring import build_adapters, run_worker


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__,
        epilog="Configuration: environment variables or .env (see README). API on API_HOST:API_PORT "
        "(127.0.0.1:8080); docs at /docs.",
    ).parse_args()
    configure_logging()
    try:
        settings = load_settings()
        check_api_settings(settings)
        adapters = build_adapters(settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2

    async def worker(stack: Stack, stop: asyncio.Event) -> None:
        await run_worker(settings, stack.database_url, stop, adapters)

    async def api(stack: Stack, stop: asyncio.Event) -> None:
        await serve_api(settings, stack.database_url, stop)

    base = f"http://{settings.api_host}:{settings.api_port}"
    banner = f"API           : {base}/api/v1/jobs\nAPI docs      : {base}/docs"
    return asyncio.run(run_foreground(settings, [worker, api], banner=banner))


if __name__ == "__main__":
    sys.exit(main())
