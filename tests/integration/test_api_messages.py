"""Answers that say what happened: the reason and the field in the message, the status a request leads to, an
OpenAPI document a generated client can use."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve


async def test_bad_input_messages_name_the_field_and_the_reason(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        long_id = await http.post("/api/v1/jobs", json={"products": ["x" * 5000]})
        assert long_id.status_code == 422, long_id.text
        assert long_id.json()["error"]["message"] == (
            "invalid JSON body — products.0: String should have at most 1000 characters"
        )
        nul = await http.post("/api/v1/jobs", json={"products": ["ok", {"product_id": "a\u0000b"}]})
        message = nul.json()["error"]["message"]
        assert nul.status_code == 422 and "products.1.product_id: must not contain a NUL" in message
        assert "CSV" not in message and "binary" not in message
        fields = {f"f{i}": "v" for i in range(250)}
        wide = await http.post("/api/v1/jobs", json={"products": [{"product_id": "a", **fields}]})
        assert wide.status_code == 422 and wide.json()["error"]["code"] == "too_many_columns"
        assert wide.json()["error"]["message"].startswith("products: The set of product fields has 254 columns")
        strict = await http.post("/api/v1/jobs", json={"products": ["ok"], "options": {"window": True}})
        assert strict.status_code == 422 and "options.window: Input should be a valid integer" in strict.text
        form_strict = await http.post(
            "/api/v1/jobs",
            files={"file": ("p.csv", b"product_id\nx\n", "text/csv")},
            data={"options": json.dumps({"policy": {"min_reviews": True}})},
        )
        assert form_strict.status_code == 422 and "options.policy.min_reviews" in form_strict.json()["error"]["message"]
        png = await http.post("/api/v1/jobs", files={"file": ("p.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")})
        assert png.status_code == 415 and "'image/png'" in png.json()["error"]["message"], png.text
        header_only = await http.post("/api/v1/jobs", files={"file": ("only.csv", b"product_id,name\n", "text/csv")})
        assert header_only.status_code == 422 and header_only.json()["error"]["code"] == "no_data_rows"
        assert "only.csv" in header_only.json()["error"]["message"]
        assert (await http.get("/api/v1/jobs")).json()["jobs"] == [], "nothing was created by any of these"


async def test_cancel_and_replay_answer_the_status_they_lead_to(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    ids = [f"slow-m{i}" for i in range(20)]
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        payload = {"products": ids, "options": {"window": 2}}
        first = await http.post("/api/v1/jobs", json=payload, headers={"Idempotency-Key": "m-1"})
        job_id = first.json()["job_id"]
        replay = await http.post("/api/v1/jobs", json=payload, headers={"Idempotency-Key": "m-1"})
        assert replay.status_code == 201 and replay.json()["job_id"] == job_id
        assert replay.json()["status"] == "running" and replay.json()["workflow_id"] == f"job-{job_id}", replay.text
        async with asyncio.timeout(60):
            while (await http.get(f"/api/v1/jobs/{job_id}")).json()["status"] != "running":
                await asyncio.sleep(0.1)
        assert (await http.post(f"/api/v1/jobs/{job_id}/pause")).json()["status"] == "paused"
        later = await http.post("/api/v1/jobs", json=payload, headers={"Idempotency-Key": "m-1"})
        assert later.json()["status"] == "paused" and later.json()["workflow_id"] == f"job-{job_id}"
        cancelled = await http.post(f"/api/v1/jobs/{job_id}/cancel")
        assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelling", cancelled.text
        assert (await api.wait_done(http, job_id))["status"] == "cancelled"
        unstarted = (await http.post("/api/v1/enrichment-signed-url", json={})).json()["job_id"]
        at_once = await http.post(f"/api/v1/jobs/{unstarted}/cancel")
        assert at_once.json()["status"] == "cancelled"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_openapi_document_has_no_dangling_refs_and_describes_the_json_body(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        doc = (await http.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    dangling = [r for r in _refs(doc) if r.removeprefix("#/components/schemas/") not in schemas]
    assert dangling == []
    body = doc["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    create = schemas[body["$ref"].removeprefix("#/components/schemas/")]
    assert create["required"] == ["products"] and "options" in create["properties"]
    assert schemas["JobOptions"]["properties"]["window"]["anyOf"][0]["type"] == "integer"
