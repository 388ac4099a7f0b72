"""Logging set-up shared by the entry points."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=_FORMAT)
    # httpx logs every request URL at INFO; some review APIs take their key in the URL (e.g. a passkey query
    # parameter), and secrets must never reach the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
