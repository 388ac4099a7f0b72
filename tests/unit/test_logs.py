"""LOG_FORMAT=json: one JSON object per line with the job, row, workflow id and attempt of an activity's lines,
and secret values masked; text stays readable and carries the same context."""

from __future__ import annotations

import io
import json
import logging

import pytest
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from internal.domain.ids import parse_workflow_id
from internal.platform.logs import log_handler, log_level, secret_values


def _capture(fmt: str, secrets: list[str] | None = None) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = log_handler(fmt, secrets or [])
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    logger = logging.getLogger(f"test-logs-{fmt}")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    return logger, out


@activity.defn(name="fetch_attempt")
async def _logging_activity(message: str) -> None:
    logging.getLogger("test-logs-json").info("fetched %s", message)


async def test_json_lines_carry_the_activity_context_and_no_secret() -> None:
    logger, out = _capture("json", ["s3cr3t-token-value"])
    env = ActivityEnvironment()
    env.info = env.info.__class__(
        **{**env.info.__dict__, "workflow_id": "enrich-ab12cd-row-7", "attempt": 3, "activity_type": "fetch_attempt"}
    )
    await env.run(_logging_activity, "page 2 with s3cr3t-token-value")
    logger.warning("outside any activity")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    inside, outside = lines
    assert inside["message"] == "fetched page 2 with ***"
    assert (inside["job_id"], inside["row"], inside["workflow_id"], inside["attempt"]) == (
        "ab12cd",
        7,
        "enrich-ab12cd-row-7",
        3,
    )
    assert inside["activity"] == "fetch_attempt" and inside["level"] == "INFO"
    assert outside["message"] == "outside any activity" and "job_id" not in outside


def test_text_is_the_default_shape_with_context_appended() -> None:
    logger, out = _capture("text")
    logger.info("plain line")
    assert out.getvalue().rstrip().endswith("INFO test-logs-text: plain line")


def test_unknown_format_and_secret_names() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json"):
        log_handler("xml")
    env = {"API_TOKEN": "abcdefgh", "GEMINI_API_KEY": "k" * 10, "DATA_DIR": "/tmp/x", "AWS_SECRET_ACCESS_KEY": "z"}
    assert sorted(secret_values(env)) == sorted(["abcdefgh", "k" * 10, "z"])


def test_log_level_names_a_level_or_keeps_the_default() -> None:
    assert log_level(None, logging.INFO) == logging.INFO and log_level(" ", logging.WARNING) == logging.WARNING
    assert log_level("DEBUG", logging.INFO) == logging.DEBUG and log_level("error", logging.INFO) == logging.ERROR
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of debug, info, warning, error, not 'loud'"):
        log_level("loud", logging.INFO)


def test_workflow_ids_name_job_and_row() -> None:
    assert parse_workflow_id("enrich-ab-c-row-12") == ("ab-c", 12)
    assert parse_workflow_id("job-ab12") == ("ab12", None)
    assert parse_workflow_id("other") == (None, None)
