"""The FastAPI application: routes, auth, errors, health and metrics."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response, Security
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from internal.alerts import routes as alerts
from internal.alerts.service import AlertService
from internal.domain.errors import ServiceError
from internal.enrichment import routes_findings as findings
from internal.http import web, web_dead_letters, web_overview, web_products, web_schedules
from internal.http.deps import Services, services
from internal.http.disk import disk_problem
from internal.http.error_responses import BodyReadTimeout, install_error_handlers
from internal.http.lookup import provide
from internal.http.schemas import CreateJobJson, Health
from internal.ingest import routes as ingest
from internal.jobs import routes as jobs
from internal.jobs import routes_events as events
from internal.jobs import routes_retry as retry
from internal.jobs import routes_signed as signed
from internal.jobs import routes_submit as submit
from internal.schedules import routes as schedules
from internal.schedules.schemas import CreateScheduleJson

# Declared in the OpenAPI document so that /docs has an Authorize button; the check itself is require_token's, and
# auto_error=False keeps a missing header our 401 with our error body.
_bearer = HTTPBearer(auto_error=False, description="API_TOKEN, when the service runs with one (else not needed)")


async def require_token(
    request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> None:
    """With API_TOKEN set, every /api/v1 route needs `Authorization: Bearer <token>`.

    The header is read as sent, not through HTTPBearer's parse (which strips what follows the scheme, so
    `Bearer  <token>` would pass): the token must follow `Bearer ` exactly."""
    expected = services(request).settings.api_token
    if expected is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # compare_digest: the time taken must not tell an attacker how much of the token was right.
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise ServiceError(
            "missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)", status=401, code="unauthorized"
        )


class BodyTimeout:
    """Each wait for the next piece of a request body is bounded; the waits after the body (a streaming response
    listening for the client to leave) are not."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout(self.seconds):
                    message = await receive()
            except TimeoutError:
                raise BodyReadTimeout(self.seconds) from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed_receive, send)


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The generated document, plus the JSON bodies of POST /jobs and POST /schedules: those routes read their
    body themselves (multipart or JSON), so FastAPI does not know the models their requestBody refers to."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            for model in (CreateJobJson, CreateScheduleJson):
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, schema in body.pop("$defs", {}).items():
                    schemas.setdefault(name, schema)
                schemas.setdefault(model.__name__, body)
            app.openapi_schema = doc
        return app.openapi_schema

    return build


def create_app(svc: Services) -> FastAPI:
    # /docs (Swagger UI) and /redoc with their scripts and styles served from the fastapi-offline package under
    # /docs/assets: the docs work where no CDN can be reached, like the rest of the page. Public, as is
    # /openapi.json; the operations themselves need the token (the Authorize button sends it).
    app = FastAPIOffline(
        title="Review enrichment API",
        version="1.0",
        description="Upload products, watch their reviews get fetched and scored, read product-level sentiment.",
        static_url="/docs/assets",
    )
    app.state.services = svc
    provide(app, svc.jobs, svc.schedules, svc.enricher, svc.ingest, svc.findings, AlertService(svc.state.alerts))
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyTimeout, seconds=svc.settings.body_read_timeout_seconds)
    install_error_handlers(app)
    auth = [Depends(require_token)]
    app.include_router(submit.router, dependencies=auth)
    app.include_router(jobs.router, dependencies=auth)
    app.include_router(retry.router, dependencies=auth)
    app.include_router(events.router, dependencies=auth)
    app.include_router(signed.router, dependencies=auth)
    app.include_router(schedules.router, dependencies=auth)
    app.include_router(ingest.router, dependencies=auth)
    app.include_router(findings.router, dependencies=auth)
    app.include_router(alerts.router, dependencies=auth)
    app.include_router(signed.public_router)
    web.install(app, auth)
    web_schedules.install(app, auth)
    web_overview.install(app, auth)
    web_products.install(app, auth)
    web_dead_letters.install(app, auth)

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        svc.metrics.requests.labels(request.method, path, str(response.status_code)).inc()
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    @app.get("/healthz", response_model=Health, tags=["ops"], responses={503: {"model": Health}})
    async def healthz() -> JSONResponse:
        postgres = temporal = "ok"
        try:
            await svc.state.ping()
        except Exception as err:
            postgres = f"unreachable: {type(err).__name__}"
        try:
            await svc.temporal.service_client.check_health()
        except Exception as err:
            temporal = f"unreachable: {type(err).__name__}"
        disk = disk_problem(svc.settings) or "ok"
        ok = postgres == "ok" and disk == "ok" and temporal == "ok"
        body = Health(status="ok" if ok else "degraded", postgres=postgres, temporal=temporal, disk=disk)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
