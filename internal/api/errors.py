"""One error shape for every response: {"error": {"code", "message", "details"}} with a 4xx for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from internal.enricher.base import EnrichmentUnavailable, InvalidJobState, UnknownJob
from internal.intake import CsvIntakeError
from internal.jobs.intake import IntakeBusy
from internal.state.manager import InvalidValue, JobNotFound

log = logging.getLogger(__name__)

# Intake codes that are about the kind or size of the file rather than its content.
_INTAKE_STATUS = {"too_large": 413, "binary_file": 415}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _respond(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(CsvIntakeError)
    async def _intake(_: Request, exc: CsvIntakeError) -> JSONResponse:
        return _respond(_INTAKE_STATUS.get(exc.code, 422), exc.code, exc.message, exc.to_details())

    @app.exception_handler(UnknownJob)
    async def _unknown(_: Request, exc: UnknownJob) -> JSONResponse:
        return _respond(404, exc.code, str(exc))

    @app.exception_handler(JobNotFound)
    async def _missing(_: Request, exc: JobNotFound) -> JSONResponse:
        return _respond(404, "job_not_found", str(exc))

    @app.exception_handler(InvalidValue)
    async def _invalid_value(_: Request, exc: InvalidValue) -> JSONResponse:
        return _respond(422, "invalid_value", f"a value in the request cannot be stored or looked up: {exc}")

    @app.exception_handler(InvalidJobState)
    async def _conflict(_: Request, exc: InvalidJobState) -> JSONResponse:
        return _respond(409, exc.code, str(exc))

    @app.exception_handler(IntakeBusy)
    async def _busy(_: Request, exc: IntakeBusy) -> JSONResponse:
        return _respond(409, "intake_in_progress", str(exc))

    @app.exception_handler(EnrichmentUnavailable)
    async def _unavailable(_: Request, exc: EnrichmentUnavailable) -> JSONResponse:
        return _respond(503, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        return _respond(422, "invalid_request", f"invalid request — {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 413: "payload_too_large"}
        return _respond(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        # Reaching this is a bug in our code, never the client's input: log it whole, say little.
        log.exception("unhandled error")
        return _respond(500, "internal_error", "internal error; it has been logged")
