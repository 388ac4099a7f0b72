"""One error shape for every response: {"error": {"code", "message", "details"}} with a 4xx for bad input, a 503
when a dependency is down, a 507 when the disk is full, and a 500 only for a bug of ours.

Our errors are ServiceErrors (internal/domain/errors.py), each carrying its status and code: one handler answers
them all. What else can reach here is the driver's, the OS's or the framework's, mapped below."""

from __future__ import annotations

import errno
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from internal.domain.errors import ServiceError, problems, summary
from internal.http.disk import InsufficientStorage
from internal.http.schemas import JOB_ID_RULE
from internal.platform.db import DATABASE_UNAVAILABLE, DatabaseDiskFull, InvalidValue

log = logging.getLogger(__name__)

_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
}
# Exceptions of the driver, the OS and the server that say something about the request or the service rather
# than a bug of ours; `_translated` says what each means. DATABASE_UNAVAILABLE includes our DatabaseUnreachable.
_FOREIGN: tuple[type[Exception], ...] = (
    *DATABASE_UNAVAILABLE,
    DatabaseDiskFull,
    InvalidValue,
    OSError,
    ClientDisconnect,
)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _respond(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def _answer(err: ServiceError) -> JSONResponse:
    return JSONResponse(error_body(err.code, err.message, err.details), err.status, headers=err.headers or None)


def _translated(request: Request, exc: Exception) -> ServiceError | None:
    """The ServiceError a foreign exception stands for (logged in one line, no traceback); None: a bug of ours."""
    where = f"{request.method} {request.url.path}"
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("%s: database unavailable: %s: %s", where, type(exc).__name__, exc)
        return ServiceError(
            f"the database is unavailable right now ({type(exc).__name__}); nothing was changed, retry shortly",
            status=503,
            code="database_unavailable",
        )
    if isinstance(exc, DatabaseDiskFull):
        log.warning("database disk full: %s", exc)
        return InsufficientStorage("the database's disk is full: free space, then retry")
    if isinstance(exc, InvalidValue):
        return ServiceError(
            f"a value in the request cannot be stored or looked up: {exc}", status=422, code="invalid_value"
        )
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
        log.warning("%s: disk full: %s", where, exc)
        return InsufficientStorage("the server's disk is full: the upload was not stored")
    if isinstance(exc, ClientDisconnect):
        # Not a failure of ours, and nobody is left to read the answer.
        log.warning("%s: client disconnected before sending the whole body", where)
        return ServiceError(
            "the client went away before the request body was complete", status=400, code="client_disconnected"
        )
    return None


class BodyReadTimeout(StarletteHTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"no more of the request body arrived for {seconds:g} s: the body is shorter than its Content-Length, "
            "or the client stalled",
        )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        return _answer(exc)

    async def _foreign(request: Request, exc: Exception) -> JSONResponse:
        err = _translated(request, exc)
        return await _bug(request, exc) if err is None else _answer(err)

    for kind in _FOREIGN:
        app.add_exception_handler(kind, _foreign)

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
