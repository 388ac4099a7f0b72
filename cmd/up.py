"""`make up`: start the embedded Temporal dev server and PostgreSQL (unless pointed elsewhere), apply
migrations, run the worker, print the addresses and stay in the foreground until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import sys

from internal.app.wiring import run_worker
from internal.platform.config import load_settings
from internal.platform.logs import configure_logging
from internal.platform.stack.foreground import run_foreground
from internal.platform.stack.runner import Stack
from internal.platform.startup import guarded


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Configure with environment variables or .env (see README): DATA_DIR, TEMPORAL_HOST_PORT, "
        "TEMPORAL_EMBEDDED_PORT, TEMPORAL_UI_PORT, DATABASE_URL.",
    )
    parser.add_argument("--no-worker", action="store_true", help="start only Temporal and PostgreSQL")
    args = parser.parse_args()
    configure_logging()
    return guarded(lambda: _up(no_worker=args.no_worker))


def _up(*, no_worker: bool) -> int:
    settings = load_settings()

    async def worker(stack: Stack, stop: asyncio.Event) -> None:
        await run_worker(settings, stack.database_url, stop)

    return asyncio.run(run_foreground(settings, [] if no_worker else [worker]))


if __name__ == "__main__":
    sys.exit(main())
