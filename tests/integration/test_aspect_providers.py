"""Aspects named by a provider (ASPECTS=comprehend|gemini), end to end: the worker wired from settings as in
production, its provider against a loopback fake speaking the real wire format, the product route showing the
aspects, where they came from and what was dropped; every quote a verbatim part of a stored review."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.provided_aspects import normalise_target
from tests.fakes.comprehend import FakeComprehend, served_as_aws, targeted
from tests.fakes.gemini import INVENTED, KEYWORDS, LIES, FakeGemini
from tests.fakes.server import serve_app
from tests.integration.api_harness import Api, api_on
from tests.integration.test_findings import _assert_verbatim, _quotes, _results, _submit


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeComprehend]:
    with served_as_aws(monkeypatch, tmp_path_factory.mktemp("aws") / "none") as fake:
        yield fake


async def _product(http: httpx.AsyncClient, api: Api, product_id: str) -> tuple[str, dict[str, Any]]:
    job_id = await _submit(http, f"product_id\n{product_id}\n".encode())
    assert (await api.wait_done(http, job_id))["status"] == "completed"
    product = (await http.get(f"/api/v1/jobs/{job_id}/products/2")).json()
    assert product["status"] in ("succeeded", "low_confidence"), product
    return job_id, product


async def test_comprehend_names_the_aspects_and_a_failing_comprehend_leaves_the_offline_ones(
    temporal_client: Client, state: StateManager, tmp_path: Path, aws_env: FakeComprehend
) -> None:
    async with api_on(temporal_client, state, tmp_path, {"aspects": "comprehend"}) as (api, http):
        job_id, product = await _product(http, api, "mixed-cmp1")
        texts = await state.findings.review_texts(job_id, 2)
        # Every review went to targeted sentiment, 25 at most a call; the scorer (VADER here) never called AWS.
        assert sorted(t for batch in aws_env.targeted_requests for t in batch) == sorted(texts.values())
        assert max(len(b) for b in aws_env.targeted_requests) <= 25 and aws_env.requests == []
        assert product["aspect_provider"] == {
            "provider": "comprehend",
            "dropped_claims": 0,
            "dropped": {},
            "provider_error": None,
        }
        # Only what Comprehend named, in our names: its targets follow a determiner, so "great price" and
        # "fast shipping", which the offline vocabulary would find, are not there.
        named = {normalise_target(m["Text"]) for t in texts.values() for e in targeted(t) for m in e["Mentions"]}
        names = {a["name"] for a in product["aspects"]}
        assert "battery life" in names and names <= {n[0] for n in named if n}
        assert not names & {"price", "shipping"}
        for aspect in product["aspects"]:
            assert 0 < aspect["mentions"] <= aspect["reviews"] == len(texts)
        assert await _assert_verbatim(state, job_id, 2, _quotes(product)) > 0

        # Comprehend down (500 after botocore's retries): the row still finishes, with the offline aspects.
        aws_env.targeted_status = 500
        calls = len(aws_env.targeted_requests)
        job_id, product = await _product(http, api, "mixed-cmp2")
        assert len(aws_env.targeted_requests) > calls
        source = product["aspect_provider"]
        assert (
            source["provider"] == "offline"
            and "comprehend failed (InternalServerException)" in source["provider_error"]
        )
        assert {"price", "shipping"} & {a["name"] for a in product["aspects"]}
        assert await _assert_verbatim(state, job_id, 2, _quotes(product)) > 0


async def test_gemini_names_the_aspects_and_its_false_claims_are_dropped_and_counted(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    fake = FakeGemini()
    with serve_app(fake.app) as url:
        overrides = {"aspects": "gemini", "gemini_api_key": fake.api_key, "gemini_base_url": url}
        async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
            job_id, product = await _product(http, api, "mixed-gem1")
            rows = await _results(http, job_id)
    # One request for the product's aspects (the scorer is VADER): what the model read and said.
    [(_, request)] = fake.requests
    shown = [r["text"] for r in json.loads(request["contents"][-1]["parts"][0]["text"])["reviews"]]
    texts = await state.findings.review_texts(job_id, 2)
    assert len(shown) == len(texts)
    source = product["aspect_provider"]
    assert source == {
        "provider": "gemini",
        "dropped_claims": sum(LIES.values()),
        "dropped": LIES,
        "provider_error": None,
    }
    # In the results JSON too.
    assert rows[0]["findings"]["aspect_provider"] == source
    names = {a["name"] for a in product["aspects"]}
    said = {w for w in KEYWORDS if any(w in t.lower() for t in shown)}
    assert len(said) >= 2 and names == {n[0] for w in said if (n := normalise_target(w))}
    assert INVENTED not in names
    for aspect in product["aspects"]:
        # Recounted from the reviews: never the model's inflated count (more than there are reviews).
        assert 0 < aspect["mentions"] <= aspect["reviews"] == len(texts)
        quote = aspect["quotes"][0]
        assert not quote["text"].startswith("Reviewers felt that")
        assert quote["rating"] is not None
    assert await _assert_verbatim(state, job_id, 2, _quotes(product)) > 0
