"""What every web page module shares: the templates, its two routers and how they are mounted, and its shell.

A shell (the HTML a page's script fills in) holds no data, only what this service offers, so it needs no token;
every fragment the script fetches sits behind the same bearer check as /api/v1 (the page keeps the token in
sessionStorage and sends it as a header, so it never lands in a URL or a log). Said once here, for every page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from internal.http.deps import services

_env = Environment(loader=PackageLoader("internal.http", "templates"), autoescape=select_autoescape(["html", "svg"]))
templates = Jinja2Templates(env=_env)


@dataclass(frozen=True)
class WebRoutes:
    """A page module's shells (`pages`, open) and fragments (`fragments`, under /web, behind the API's check)."""

    pages: APIRouter = field(default_factory=lambda: APIRouter(include_in_schema=False))
    fragments: APIRouter = field(default_factory=lambda: APIRouter(prefix="/web", include_in_schema=False))

    def install(self, app: FastAPI, auth: Sequence[Depends]) -> None:
        app.include_router(self.pages)
        app.include_router(self.fragments, dependencies=list(auth))


def shell(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A page's shell: `context` plus whether the page must ask for a token before it fetches anything."""
    needs_token = services(request).settings.api_token is not None
    return templates.TemplateResponse(request, template, {"needs_token": needs_token, **context})
