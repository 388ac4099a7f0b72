"""`make up`: start the embedded Temporal dev server and PostgreSQL (unless pointed elsewhere), apply
migrations, print the addresses and stay in the foreground until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from internal.config import SettingsError, load_settings
from internal.stack.foreground import run_foreground


def main() -> int:
    argparse.ArgumentParser(
        description=__doc__,
        epilog="Configure with environment variables or .env (see README): DATA_DIR, TEMPORAL_HOST_PORT, "
        "TEMPORAL_EMBEDDED_PORT, TEMPORAL_UI_PORT, DATABASE_URL.",
    ).parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    return asyncio.run(run_foreground(settings))


if __name__ == "__main__":
    sys.exit(main())
