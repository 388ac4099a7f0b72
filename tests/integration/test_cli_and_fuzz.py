"""The `enrich` CLI as a separate process against the live API, and a schemathesis run for 5xx."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from collections import Counter
from pathlib import Path

from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
DEMO = str(Path(__file__).resolve().parents[2] / "cmd" / "demo.py")


async def _run(*args: str, timeout: float = 180, cwd: Path | None = None) -> tuple[int, str, str]:
    # COLUMNS as a person's terminal: without env= the child would inherit the C environment, where a native
    # library of this test process sets COLUMNS=80 behind os.environ's back.
    env = {**os.environ, "COLUMNS": "110"}
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=cwd, env=env
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_submit_wait_and_results_csv(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    upload = tmp_path / "p.csv"
    upload.write_text("product_id,name\npos-c1,One\nnotfound-c2,Two\n,Three\n")
    async with serve(temporal_client, state, tmp_path, token="tok") as api:
        cli = [sys.executable, "-m", "internal.cli.main", "--api-url", api.url, "--token", "tok"]
        code, out, err = await _run(*cli, "submit", str(upload), "--wait", "-o", "window=2")
        assert code == 0, out + err
        assert "3 rows, 1 invalid" in out and "row 4" in out and "completed" in out
        job_id = out.split("job ", 1)[1].split()[0]
        target = tmp_path / "out.csv"
        code, out, err = await _run(*cli, "results", job_id, "--format", "csv", "-o", str(target))
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
        assert [(r["product_id"], r["status"]) for r in rows] == [
            ("pos-c1", "succeeded"),
            ("notfound-c2", "failed"),
            ("", "invalid"),
        ]
        code, out, _ = await _run(*cli, "results", job_id)
        assert code == 0 and "pos-c1" in out and "product not found" in out
        code, _, err = await _run(*cli, "cancel", job_id)
        assert code == 2 and "invalid_transition" in err  # a completed job cannot be cancelled
        code, _, err = await _run(*cli, "progress", "no-such-job")
        assert code == 2 and "job_not_found" in err
        bad = tmp_path / "bad.csv"
        bad.write_text("name\nx\n")
        code, _, err = await _run(*cli, "submit", str(bad))
        assert code == 2 and "no_id_column" in err
    code, _, err = await _run(*cli, "jobs")
    assert code == 3 and "cannot reach" in err  # server gone


async def test_demo_against_a_running_api_saves_the_results_csv(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    upload = tmp_path / "few.csv"
    upload.write_text("product_id,name\npos-d1,One\nneg-d2,Two\n")
    async with serve(temporal_client, state, tmp_path) as api:
        code, out, err = await _run(sys.executable, DEMO, "--api-url", api.url, str(upload), cwd=tmp_path)
        assert code == 0, out + err
        assert f"Using the API at {api.url}" in out and "completed" in out
        saved = [tmp_path / name for name in os.listdir(tmp_path) if name.startswith("results-")]
        assert len(saved) == 1 and saved[0].name in out.replace("\n", "")
        rows = list(csv.DictReader(io.StringIO(saved[0].read_text(encoding="utf-8-sig"))))
        assert [(r["product_id"], r["label"]) for r in rows] == [("pos-d1", "positive"), ("neg-d2", "negative")]
        cli = [sys.executable, "-m", "internal.cli.main", "--api-url", api.url]
        code, out, _ = await _run(*cli, "jobs")
        assert code == 0 and "completed" in out and "few.csv" in out
        job_id = saved[0].stem.removeprefix("results-")
        table = tmp_path / "table.txt"
        code, _, err = await _run(*cli, "results", job_id, "-o", str(table))
        assert code == 0, err
        assert "pos-d1" in table.read_text() and "neg-d2" in table.read_text()


async def test_schemathesis_finds_no_server_errors(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    """Every operation of the OpenAPI document, JSON bodies included (POST /jobs as application/json too), valid
    and invalid inputs: no 5xx. The HAR report counts what was really sent."""
    har = tmp_path / "fuzz.har"
    async with serve(temporal_client, state, tmp_path) as api:
        code, out, err = await _run(
            str(SCHEMATHESIS),
            "run",
            f"{api.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--generation-deterministic",
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            "--continue-on-failure",
            "--report",
            "har",
            "--report-har-path",
            str(har),
            timeout=420,
        )
    entries = json.loads(har.read_text())["log"]["entries"]
    statuses = Counter(e["response"]["status"] for e in entries)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    json_creates = [
        e
        for e in entries
        if e["request"]["method"] == "POST"
        and e["request"]["url"].endswith("/api/v1/jobs")
        and any(h["name"].lower() == "content-type" and "json" in h["value"] for h in e["request"]["headers"])
    ]
    print(f"schemathesis: {len(entries)} requests, {server_errors} x 5xx, {len(json_creates)} JSON creates, {statuses}")
    assert code == 0, out[-4000:] + err[-2000:]
    assert server_errors == 0
    assert len(json_creates) >= 10 and any(e["response"]["status"] == 201 for e in json_creates), "JSON bodies reached"
