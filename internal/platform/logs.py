"""Logging set-up shared by the entry points: readable text by default, one JSON object per line with
`LOG_FORMAT=json`. Either way a line logged inside a workflow or an activity carries its job id, row, workflow id
(and for an activity its type and attempt), and the values of secret settings are masked. `LOG_LEVEL=debug` adds
the SDK's debug lines, among them the traceback of every expected failure (internal/enrichment/beats.py)."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Final

from temporalio import activity, workflow

from internal.domain.ids import parse_workflow_id

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS: Final = ("text", "json")
LOG_LEVELS: Final = ("debug", "info", "warning", "error")
# The record attributes TemporalContext sets, in the order they are shown.
CONTEXT_FIELDS: Final = ("job_id", "row", "workflow_id", "activity", "attempt")
# Environment variables whose values are secrets (API_TOKEN, GEMINI_API_KEY, AWS_SECRET_ACCESS_KEY, …).
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSKEY|API_KEY|ACCESS_KEY|CREDENTIAL", re.IGNORECASE)
_MIN_SECRET_LEN = 6  # shorter values would mask ordinary words


class TemporalContext(logging.Filter):
    """Adds the job, row, workflow and activity attempt of the workflow or activity the line is logged from."""

    def filter(self, record: logging.LogRecord) -> bool:
        workflow_id: str | None = None
        if activity.in_activity():
            info = activity.info()
            workflow_id = info.workflow_id
            record.activity, record.attempt = info.activity_type, info.attempt
        elif workflow.in_workflow():
            workflow_id = workflow.info().workflow_id
        if workflow_id:
            record.workflow_id = workflow_id
            job_id, row = parse_workflow_id(workflow_id)
            if job_id is not None:
                record.job_id = job_id
            if row is not None:
                record.row = row
        return True


class MaskSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def _context(record: logging.LogRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in CONTEXT_FIELDS if getattr(record, name, None) is not None}


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = _context(record)
        if not context:
            return line
        head, sep, tail = line.partition("\n")  # the context goes on the message line, before any traceback
        return head + " [" + " ".join(f"{k}={v}" for k, v in context.items()) + "]" + sep + tail


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def secret_values(environ: Mapping[str, str]) -> list[str]:
    return [value for name, value in environ.items() if _SECRET_NAME.search(name) and value]


def log_handler(fmt: str, secrets: Iterable[str] = ()) -> logging.Handler:
    """A stderr handler in the given format with the context and masking filters."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(TemporalContext())
    handler.addFilter(MaskSecrets(secrets))
    return handler


def log_level(value: str | None, default: int) -> int:
    """The level `LOG_LEVEL` names (unset or empty: the entry point's default)."""
    name = (value or "").strip().lower()
    if not name:
        return default
    if name not in LOG_LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
    return int(getattr(logging, name.upper()))


def configure_logging(level: int = logging.INFO) -> None:
    """Root logging from `LOG_FORMAT` (text or json) and `LOG_LEVEL` (else `level`); exits with a clear message
    for any other value."""
    fmt = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
    try:
        handler = log_handler(fmt, secret_values(os.environ))
        level = log_level(os.environ.get("LOG_LEVEL"), level)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO; some review APIs take their key in the URL (e.g. a passkey query
    # parameter), and secrets must never reach the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
