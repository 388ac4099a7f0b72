"""One error shape for every response: {"error": {"code", "message", "details"}} with a 4xx for bad input, a 503
when a dependency is down, a 507 when the disk is full, and a 500 only for a bug of ours."""

from __future__ import annotations

import errno
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from internal.app.state import DATABASE_UNAVAILABLE, DatabaseDiskFull, InvalidTransition, InvalidValue
from internal.http.schemas import JOB_ID_RULE
from internal.platform.errors import (
    CsvIntakeError,
    EnrichmentUnavailable,
    IntakeBusy,
    InvalidJobState,
    InvalidOptions,
    InvalidSchedule,
    JobNotFound,
    JobNotStarted,
    ProductListError,
    ScheduleConflict,
    ScheduleNotFound,
    UploadTooLarge,
)

log = logging.getLogger(__name__)

# Intake codes that are about the kind or size of the file rather than its content.
_INTAKE_STATUS = {"too_large": 413, "binary_file": 415}
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
}
# How many problems a message spells out; all of them are in `details`.
_SUMMARY_PROBLEMS = 5


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def start_path(job_id: str) -> str:
    return f"/api/v1/jobs/{job_id}/start"


def insufficient_storage(message: str) -> ApiError:
    return ApiError(507, "insufficient_storage", message)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _respond(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def problems(errors: Sequence[Any], *, drop: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """pydantic errors as [{field, message}], the field a dotted path (`products.3.product_id`)."""
    return [
        {
            "field": ".".join(str(p) for p in err["loc"] if p not in drop),
            "message": str(err["msg"]).removeprefix("Value error, "),
        }
        for err in errors
    ]


def validation_error(
    code: str, what: str, err: ValidationError, *, prefix: str = "", drop: tuple[str, ...] = ()
) -> ApiError:
    """A 422 whose message carries the reasons (field: why), not only its details."""
    found = problems(err.errors(), drop=drop)
    for p in found:
        p["field"] = ".".join(x for x in (prefix, p["field"]) if x)
    return ApiError(422, code, f"{what} — {summary(found)}", found)


def summary(found: Sequence[dict[str, str]]) -> str:
    text = "; ".join(f"{p['field'] or '(body)'}: {p['message']}" for p in found[:_SUMMARY_PROBLEMS])
    more = len(found) - _SUMMARY_PROBLEMS
    return text + (f" (and {more} more)" if more > 0 else "")


class BodyReadTimeout(StarletteHTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"no more of the request body arrived for {seconds:g} s: the body is shorter than its Content-Length, "
            "or the client stalled",
        )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(CsvIntakeError)
    async def _intake(_: Request, exc: CsvIntakeError) -> JSONResponse:
        return _respond(_INTAKE_STATUS.get(exc.code, 422), exc.code, exc.message, exc.to_details())

    @app.exception_handler(ProductListError)
    async def _products(_: Request, exc: ProductListError) -> JSONResponse:
        return _respond(413 if exc.code == "too_large" else 422, exc.code, str(exc), exc.details())

    @app.exception_handler(InvalidOptions)
    async def _options(_: Request, exc: InvalidOptions) -> JSONResponse:
        return _respond(422, "invalid_options", exc.message, exc.problems)

    @app.exception_handler(UploadTooLarge)
    async def _too_large(_: Request, exc: UploadTooLarge) -> JSONResponse:
        return _respond(413, "too_large", str(exc))

    @app.exception_handler(JobNotFound)
    async def _missing(_: Request, exc: JobNotFound) -> JSONResponse:
        return _respond(404, "job_not_found", str(exc))

    @app.exception_handler(ScheduleNotFound)
    async def _no_schedule(_: Request, exc: ScheduleNotFound) -> JSONResponse:
        return _respond(404, "schedule_not_found", str(exc))

    @app.exception_handler(ScheduleConflict)
    async def _schedule_conflict(_: Request, exc: ScheduleConflict) -> JSONResponse:
        return _respond(409, exc.code, str(exc))

    @app.exception_handler(InvalidSchedule)
    async def _bad_schedule(_: Request, exc: InvalidSchedule) -> JSONResponse:
        return _respond(422, "invalid_schedule", str(exc), exc.details())

    @app.exception_handler(InvalidValue)
    async def _invalid_value(_: Request, exc: InvalidValue) -> JSONResponse:
        return _respond(422, "invalid_value", f"a value in the request cannot be stored or looked up: {exc}")

    @app.exception_handler(InvalidJobState)
    async def _conflict(_: Request, exc: InvalidJobState) -> JSONResponse:
        return _respond(409, exc.code, str(exc))

    @app.exception_handler(InvalidTransition)
    async def _transition(_: Request, exc: InvalidTransition) -> JSONResponse:
        # A status write that lost a race with another (a cancel landing as the job completes): a conflict.
        return _respond(409, "invalid_transition", str(exc))

    @app.exception_handler(IntakeBusy)
    async def _busy(_: Request, exc: IntakeBusy) -> JSONResponse:
        return _respond(409, "intake_in_progress", str(exc))

    @app.exception_handler(JobNotStarted)
    async def _not_started(_: Request, exc: JobNotStarted) -> JSONResponse:
        # The job exists: say so, and how to start it once the orchestrator is back.
        path = start_path(exc.job_id)
        return _respond(
            503,
            exc.code,
            f"{exc}; it stays 'created': start it with POST {path} once the service is back",
            {"job_id": exc.job_id, "created": True, "status": "created", "start": {"method": "POST", "path": path}},
        )

    @app.exception_handler(EnrichmentUnavailable)
    async def _unavailable(_: Request, exc: EnrichmentUnavailable) -> JSONResponse:
        return _respond(503, exc.code, str(exc))

    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s: database unavailable: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return _respond(
            503,
            "database_unavailable",
            f"the database is unavailable right now ({type(exc).__name__}); nothing was changed, retry shortly",
        )

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database_down)

    @app.exception_handler(DatabaseDiskFull)
    async def _database_full(_: Request, exc: DatabaseDiskFull) -> JSONResponse:
        log.warning("database disk full: %s", exc)
        return _respond(507, "insufficient_storage", "the database's disk is full: free space, then retry")

    @app.exception_handler(OSError)
    async def _os(request: Request, exc: OSError) -> JSONResponse:
        if exc.errno in _DISK_FULL_ERRNOS:
            log.warning("%s %s: disk full: %s", request.method, request.url.path, exc)
            return _respond(507, "insufficient_storage", "the server's disk is full: the upload was not stored")
        return await _bug(request, exc)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> JSONResponse:
        # Not a failure of ours, and nobody is left to read the answer: one line, no traceback.
        log.warning("%s %s: client disconnected before sending the whole body", request.method, request.url.path)
        return _respond(400, "client_disconnected", "the client went away before the request body was complete")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        found = problems(exc.errors(), drop=("body",))
        bad_id = [e for e in exc.errors() if tuple(e["loc"][:2]) == ("path", "job_id")]
        if bad_id:
            # A job id no job can have (bad characters, too long) names a job that does not exist.
            shown = str(bad_id[0]["input"])[:80]
            return _respond(404, "job_not_found", f"no such job: {shown!r} is not a job id ({JOB_ID_RULE})", found)
        bad_schedule = [e for e in exc.errors() if tuple(e["loc"][:2]) == ("path", "schedule_id")]
        if bad_schedule:
            shown = str(bad_schedule[0]["input"])[:80]
            return _respond(
                404, "schedule_not_found", f"no such schedule: {shown!r} is not a schedule id ({JOB_ID_RULE})", found
            )
        return _respond(422, "invalid_request", f"invalid request — {summary(found)}", found)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _respond(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        # Reaching this is a bug in our code, never the client's input: log it whole, say little.
        log.exception("unhandled error", exc_info=exc)
        return _respond(500, "internal_error", "internal error; it has been logged")
