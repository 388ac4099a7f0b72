"""Run a fake third-party API as a real HTTP server on 127.0.0.1, so the real client code runs against it.

The server lives in its own thread with its own event loop: synchronous clients (boto3) and async ones
(httpx, google-genai) in the test can both talk to it without sharing — or blocking — the test's loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from internal.platform.stack.proc import free_port


@contextmanager
def serve_app(app: ASGIApp, *, startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` on a free loopback port; yields its base URL (`http://127.0.0.1:PORT`)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"fake-api-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"fake API on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
