"""The service's default scorer chain, through the API and the worker wired as in production: a job that names no
chain is scored by the lexical model, and a product whose result stays weak escalates to e5, which rescores at most
RESCORE_LIMIT of its least sure reviews (internal/domain/options.py DEFAULT_SCORER_CHAIN, docs/scorers.md)."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.local_scorers import RESCORE_LIMIT
from internal.domain.options import DEFAULT_SCORER_CHAIN
from tests.integration.api_harness import api_on


async def test_a_job_without_a_chain_gets_lexical_then_e5_for_its_weak_products(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    # Neither SCORER nor SCORER_CHAIN: what a newcomer's service runs.
    async with api_on(temporal_client, state, tmp_path, {"scorer": None, "scorer_chain": None}) as (api, http):
        plain = await http.post("/api/v1/jobs", json={"products": [{"product_id": "pos-kettle-7"}]})
        # Every neutral or mixed review counts against the result: the mixed product cannot settle on lexical.
        strict = await http.post(
            "/api/v1/jobs",
            json={"products": [{"product_id": "mixed-phone-9"}], "options": {"policy": {"max_uncertain_share": 0}}},
        )
        assert plain.status_code == strict.status_code == 201, (plain.text, strict.text)
        results = {}
        for created in (plain.json(), strict.json()):
            await api.wait_done(http, created["job_id"])
            job = (await http.get(f"/api/v1/jobs/{created['job_id']}")).json()
            assert job["options"]["scorer_chain"] == list(DEFAULT_SCORER_CHAIN) == ["lexical", "e5"]
            (row,) = (await http.get(f"/api/v1/jobs/{created['job_id']}/results")).json()["results"]
            results[row["product_id"]] = row
    kettle, phone = results["pos-kettle-7"], results["mixed-phone-9"]
    assert kettle["status"] == "succeeded" and kettle["attempts"] == 1
    assert kettle["result"]["decided_by"] == {"lexical": kettle["result"]["review_count"]}, json.dumps(kettle)
    decided = phone["result"]["decided_by"]
    assert phone["attempts"] >= 2 and 0 < decided.get("e5", 0) <= RESCORE_LIMIT["e5"], json.dumps(phone)
    assert decided["e5"] + decided["lexical"] == phone["result"]["review_count"]
