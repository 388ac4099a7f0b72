"""Every case of tests/bad_requests.py against one real API (uvicorn on loopback, real PostgreSQL and Temporal,
API_TOKEN set): the exact status and error code, a message, and never a 5xx."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client

from internal.adapters.uploads.local import LocalUploads
from internal.app.state import StateManager
from internal.platform.migrate import apply_migrations
from tests.bad_requests import CASES, MAX_UPLOAD, TOKEN, Bad
from tests.conftest import new_database
from tests.integration.api_harness import Api, serve


class Corpus:
    def __init__(self, api: Api, names: dict[str, str]) -> None:
        self.api, self.names = api, names

    def fill(self, text: str) -> str:
        return text.format(**self.names) if "{" in text else text


async def _wait_status(http: httpx.AsyncClient, job_id: str, status: str) -> None:
    async with asyncio.timeout(60):
        while (await http.get(f"/api/v1/jobs/{job_id}")).json()["status"] != status:
            await asyncio.sleep(0.1)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def corpus(
    pg_server: str, temporal_client: Client, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Corpus]:
    db = await new_database(pg_server)
    await apply_migrations(db)
    state = await StateManager.connect(db, max_size=4)
    data_dir = tmp_path_factory.mktemp("corpus")
    async with (
        serve(temporal_client, state, data_dir, token=TOKEN, max_upload_bytes=MAX_UPLOAD) as api,
        api.client() as http,
    ):
        done = (await http.post("/api/v1/jobs", json={"products": ["pos-k1"]})).json()["job_id"]
        await api.wait_done(http, done)
        slow = {"products": [f"slow-k{i}" for i in range(30)], "options": {"window": 1}}
        paused = (await http.post("/api/v1/jobs", json=slow)).json()["job_id"]
        await _wait_status(http, paused, "running")
        assert (await http.post(f"/api/v1/jobs/{paused}/pause")).status_code == 202
        cancelled = (await http.post("/api/v1/enrichment-signed-url", json={})).json()["job_id"]
        assert (await http.post(f"/api/v1/jobs/{cancelled}/cancel")).status_code == 202
        fresh = (await http.post("/api/v1/enrichment-signed-url", json={})).json()["job_id"]
        uploads = api.services.uploads
        assert isinstance(uploads, LocalUploads)
        unknown = uuid.uuid4().hex[:16]
        live = (await http.post("/api/v1/schedules", json={"products": ["k1"], "every": "1h"})).json()["schedule_id"]
        gone = (await http.post("/api/v1/schedules", json={"products": ["k2"], "every": "1h"})).json()["schedule_id"]
        assert (await http.delete(f"/api/v1/schedules/{gone}")).status_code == 200
        names = {
            "done": done,
            "paused": paused,
            "cancelled": cancelled,
            "fresh": fresh,
            "unknown": unknown,
            "sched_live": live,
            "sched_deleted": gone,
        }
        tokens = {f"tok_{k}": uploads.signer.sign(v)[0] for k, v in names.items()}
        tokens["tok_expired"] = uploads.signer.sign(fresh, now=0)[0]
        yield Corpus(api, names | tokens)
        await http.delete(f"/api/v1/schedules/{live}")
        await http.post(f"/api/v1/jobs/{paused}/cancel")
        await api.wait_done(http, paused)
    await state.close()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 4096):
        yield data[start : start + 4096]


async def send(corpus: Corpus, case: Bad) -> httpx.Response:
    # Bytes throughout: a header value that is not ASCII (a hostile token) must reach the server as sent.
    headers = {k.encode(): corpus.fill(v).encode() for k, v in case.headers.items()}
    if case.auth is not None:
        headers[b"Authorization"] = case.auth if isinstance(case.auth, bytes) else case.auth.encode()
    if case.content_type is not None:
        headers[b"Content-Type"] = case.content_type.encode()
    content = _chunks(case.content) if case.chunked and case.content is not None else case.content
    params = {k: corpus.fill(v) for k, v in case.params.items()}
    async with httpx.AsyncClient(base_url=corpus.api.url, timeout=30) as http:
        return await http.request(
            case.method,
            corpus.fill(case.path),
            params=params,
            headers=headers,
            content=content,
            json=case.json if case.has_json else None,
            files=case.files,
            data=case.data,
        )


def test_the_corpus_is_big_and_covers_every_route() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES), "case names are unique"
    covered = {(c.method, c.path.split("?")[0]) for c in CASES}
    for route in (
        ("POST", "/api/v1/jobs"),
        ("GET", "/api/v1/jobs"),
        ("GET", "/api/v1/jobs/{unknown}"),
        ("GET", "/api/v1/jobs/{unknown}/progress"),
        ("GET", "/api/v1/jobs/{done}/results"),
        ("POST", "/api/v1/jobs/{done}/cancel"),
        ("POST", "/api/v1/jobs/{done}/pause"),
        ("POST", "/api/v1/jobs/{done}/resume"),
        ("POST", "/api/v1/jobs/{done}/start"),
        ("POST", "/api/v1/enrichment-signed-url"),
        ("PUT", "/api/v1/uploads/{fresh}"),
        ("POST", "/api/v1/schedules"),
        ("GET", "/api/v1/schedules"),
        ("GET", "/api/v1/schedules/{unknown}"),
        ("POST", "/api/v1/schedules/{sched_deleted}/pause"),
        ("POST", "/api/v1/schedules/{sched_deleted}/resume"),
        ("POST", "/api/v1/schedules/{sched_deleted}/trigger"),
        ("DELETE", "/api/v1/schedules/{sched_deleted}"),
    ):
        assert route in covered, route


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_request_gets_its_status_and_code(corpus: Corpus, case: Bad) -> None:
    response = await send(corpus, case)
    assert response.status_code < 500, response.text
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (case.status, case.code), response.text
    assert error["message"] and "internal error" not in error["message"]


def test_corpus_paths_stay_under_the_api() -> None:
    # Guards the table itself: a typo in a path would make a "404" case pass for the wrong reason.
    for case in CASES:
        if case.code == "not_found":
            continue
        assert case.path.startswith(
            ("/api/v1/jobs", "/api/v1/schedules", "/api/v1/enrichment-signed-url", "/api/v1/uploads", "/healthz")
        )
