"""SOURCE_RATE_LIMITS: parsed once at start-up with a clear error per bad entry, and turned into the job's fetch
queue by the process that starts a job (never by the job's own options)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from internal.domain.options import InvalidOptions, JobRunOptions, fetch_task_queue
from internal.http.schemas import JobOptions
from internal.jobs.workflow import JobInput
from internal.platform.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SOURCE_RATE_LIMITS", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the repo


@pytest.mark.parametrize(
    ("value", "limits"),
    [
        ("walmart=5,http=20", {"walmart": 5.0, "http": 20.0}),
        (" walmart = 2.5 , ", {"walmart": 2.5}),
        ("", {}),
        ("  ", {}),
    ],
)
def test_limits_parse_to_requests_per_second(
    monkeypatch: pytest.MonkeyPatch, value: str, limits: dict[str, float]
) -> None:
    monkeypatch.setenv("SOURCE_RATE_LIMITS", value)
    assert load_settings().rate_limits == limits


def test_unset_means_no_limit() -> None:
    settings = load_settings()
    assert settings.source_rate_limits is None and settings.rate_limits == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("walmrt=5", "entry 'walmrt=5' names unknown source 'walmrt'; known: demo, walmart, http, file"),
        ("walmart=0", "entry 'walmart=0': the rate must be a positive number of requests per second"),
        ("http=-2", "entry 'http=-2': the rate must be a positive number of requests per second"),
        ("http=fast", "entry 'http=fast': the rate must be a positive number of requests per second"),
        ("http=nan", "entry 'http=nan': the rate must be a positive number of requests per second"),
        ("walmart=5,http", "entry 'http' is not SOURCE=REQUESTS_PER_SECOND (e.g. walmart=5)"),
        ("=5", "entry '=5' is not SOURCE=REQUESTS_PER_SECOND (e.g. walmart=5)"),
        ("walmart=5,walmart=6", "entry 'walmart=6': source 'walmart' is given twice"),
    ],
)
def test_a_bad_entry_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("SOURCE_RATE_LIMITS", value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value) == f"invalid configuration:\n  SOURCE_RATE_LIMITS: {message}"


def test_the_fetch_queue_name_is_derived_from_the_task_queue() -> None:
    assert fetch_task_queue(load_settings().temporal_task_queue, "walmart") == "review-enrichment.fetch.walmart"


def test_a_limited_source_gets_its_fetch_queue_in_the_job_input() -> None:
    limited = JobInput.from_stored("j1", {"source": "walmart"}, task_queue="q", rate_limited={"walmart", "http"})
    assert limited.enrichment.fetch_task_queue == "q.fetch.walmart"
    assert (
        JobInput.from_stored(
            "j1", {"source": "demo"}, task_queue="q", rate_limited={"walmart"}
        ).enrichment.fetch_task_queue
        is None
    )
    assert JobInput.from_stored("j1", {"source": "walmart"}, task_queue="q").enrichment.fetch_task_queue is None


def test_the_fetch_queue_is_not_a_job_option() -> None:
    # Neither the API nor a stored job can choose it: it follows the settings of the process that starts the job.
    with pytest.raises(ValidationError, match="fetch_task_queue"):
        JobOptions.model_validate({"fetch_task_queue": "elsewhere"})
    with pytest.raises(InvalidOptions, match="unknown job option"):
        JobRunOptions.from_stored({"fetch_task_queue": "elsewhere"})
