"""The FastAPI application: routes, auth, errors, health and metrics."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from internal.api import events, jobs, signed
from internal.api.deps import Services, services
from internal.api.errors import ApiError, install_error_handlers
from internal.api.schemas import Health


async def require_token(request: Request) -> None:
    """With API_TOKEN set, every /api/v1 route needs `Authorization: Bearer <token>`."""
    expected = services(request).settings.api_token
    if expected is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # compare_digest: the time taken must not tell an attacker how much of the token was right.
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise ApiError(401, "unauthorized", "missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)")


def create_app(svc: Services) -> FastAPI:
    app = FastAPI(
        title="Review enrichment API",
        version="1.0",
        description="Upload products, watch their reviews get fetched and scored, read product-level sentiment.",
    )
    app.state.services = svc
    install_error_handlers(app)
    auth = [Depends(require_token)]
    app.include_router(jobs.router, dependencies=auth)
    app.include_router(events.router, dependencies=auth)
    app.include_router(signed.router, dependencies=auth)
    app.include_router(signed.public_router)

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
        if svc.temporal is None:
            temporal = "not used (ENRICHER=channel)"
        else:
            try:
                await svc.temporal.service_client.check_health()
            except Exception as err:
                temporal = f"unreachable: {type(err).__name__}"
        ok = postgres == "ok" and not temporal.startswith("unreachable")
        body = Health(status="ok" if ok else "degraded", postgres=postgres, temporal=temporal)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def root() -> JSONResponse:
        return JSONResponse({"docs": "/docs", "openapi": "/openapi.json", "jobs": "/api/v1/jobs"})

    return app
