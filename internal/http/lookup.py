"""How a route reaches the service it calls: by its type, from app.state.

internal/http/app.py provides the app's services once (`provide`), and a slice's routes ask for theirs
(`provided(request, JobService)`). The routes so import neither deps.py, which builds every slice's service, nor one
another, and the imports keep pointing down (tests/unit/test_layout.py).
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import FastAPI, Request

T = TypeVar("T")


def provide(app: FastAPI, *services: object) -> None:
    app.state.provided = {type(service): service for service in services}


def provided(request: Request, kind: type[T]) -> T:
    """The provided service of type `kind` or a subclass of it (routes ask for the facade, Enricher, and get
    the app's implementation)."""
    for service in request.app.state.provided.values():
        if isinstance(service, kind):
            return service
    raise LookupError(f"the app provides no {kind.__name__} (internal/http/app.py)")
