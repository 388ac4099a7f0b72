"""The one error base class: each service error carries the status and code the API answers with, keeps its own
sentence as str() (what an activity hands Temporal when one escapes), and survives pickling."""

from __future__ import annotations

import pickle

import pytest

from internal.domain.errors import ServiceError
from internal.domain.lifecycle import InvalidTransition
from internal.domain.options import InvalidOptions
from internal.http.disk import InsufficientStorage
from internal.intake import CsvIntakeError
from internal.jobs.facade import EnrichmentUnavailable, InvalidJobState
from internal.jobs.product_list import ProductListError
from internal.jobs.service import JobNotStarted, UploadTooLarge
from internal.jobs.upload import IntakeBusy
from internal.ledger.jobs import JobNotFound
from internal.schedules.service import ScheduleConflict
from internal.schedules.spec import InvalidSchedule
from internal.schedules.store import ScheduleNotFound

CASES: list[tuple[ServiceError, int, str, str]] = [
    (JobNotFound("j1"), 404, "job_not_found", "job 'j1' not found"),
    (
        InvalidTransition("j1", "completed", "running"),
        409,
        "invalid_transition",
        "job 'j1' is completed; it cannot become running",
    ),
    (InvalidJobState("no"), 409, "invalid_transition", "no"),
    (InvalidJobState("no", code="already_started"), 409, "already_started", "no"),
    (EnrichmentUnavailable("down"), 503, "orchestrator_unavailable", "down"),
    (CsvIntakeError("too_large", "big", row=3), 413, "too_large", "big"),
    (CsvIntakeError("binary_file", "bin"), 415, "binary_file", "bin"),
    (CsvIntakeError("no_data_rows", "none"), 422, "no_data_rows", "none"),
    (InvalidOptions("bad", [{"field": "options.x", "message": "unknown option"}]), 422, "invalid_options", "bad"),
    (ProductListError("too_large", "products", "big"), 413, "too_large", "products: big"),
    (ProductListError("empty_header", "products", "x"), 422, "empty_header", "products: x"),
    (UploadTooLarge(10, 5), 413, "too_large", "the upload is 10 bytes, larger than the limit of 5 bytes"),
    (
        IntakeBusy("j1"),
        409,
        "intake_in_progress",
        "job 'j1' is being started by another request; wait for it to finish",
    ),
    (ScheduleNotFound("s1"), 404, "schedule_not_found", "schedule 's1' not found"),
    (ScheduleConflict("gone", code="schedule_deleted"), 409, "schedule_deleted", "gone"),
    (InvalidSchedule("every", "too short"), 422, "invalid_schedule", "every: too short"),
    (InsufficientStorage("full"), 507, "insufficient_storage", "full"),
    (ServiceError("send a length", status=411, code="length_required"), 411, "length_required", "send a length"),
]


@pytest.mark.parametrize(("err", "status", "code", "text"), CASES, ids=lambda c: type(c).__name__)
def test_status_code_and_sentence(err: ServiceError, status: int, code: str, text: str) -> None:
    assert (err.status, err.code, str(err)) == (status, code, text)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert (clone.status, clone.code, clone.message, clone.details, str(clone)) == (
        err.status,
        err.code,
        err.message,
        err.details,
        str(err),
    )


def test_a_per_instance_code_stays_with_the_instance() -> None:
    InvalidJobState("no", code="already_started")
    assert InvalidJobState("no").code == "invalid_transition"


def test_job_not_started_says_how_to_start_it_but_keeps_its_own_sentence() -> None:
    err = JobNotStarted("j1", 3, EnrichmentUnavailable("down", code="previous_run_open"))
    assert str(err) == "job j1 was created with its 3 rows but could not be started (down)"
    assert (
        err.message == f"{err}; it stays 'created': start it with POST /api/v1/jobs/j1/start once the service is back"
    )
    assert (err.status, err.code) == (503, "previous_run_open")
    assert err.details["start"] == {"method": "POST", "path": "/api/v1/jobs/j1/start"}


def test_details_name_the_fields() -> None:
    assert InvalidSchedule("cron", "bad").details == [{"field": "cron", "message": "bad"}]
    assert ProductListError("too_large", "products.3", "x").details == {"field": "products.3", "code": "too_large"}
    assert CsvIntakeError("empty_file", "e", row=1, column=2).details == {
        "code": "empty_file",
        "message": "e",
        "row": 1,
        "column": 2,
    }


def test_the_actions_refusals_come_from_the_lifecycle_table() -> None:
    from internal.domain.lifecycle import ACTION_FROM, JOB_STATUSES, action_refusal

    for action, allowed in ACTION_FROM.items():
        for status in JOB_STATUSES:
            assert (action_refusal("j", status, action) is None) == (status in allowed), (action, status)
    assert action_refusal("j", "completed", "cancel") == "job 'j' is already completed"
    assert action_refusal("j", "created", "pause") == "job 'j' is created; only a running job can be paused"
    assert action_refusal("j", "running", "resume") == "job 'j' is running; only a paused job can be resumed"
