"""What a person sees from `enrich` in a 110-column terminal: the real CLI (.venv/bin/enrich) in a subprocess against
the live API, its output read line by line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from temporalio.client import Client

from internal.app.state import StateManager
from internal.platform.stack.proc import free_port
from tests.integration.api_harness import serve

ENRICH = str(Path(sys.executable).parent / "enrich")
WIDTH = 110


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("API_URL", "API_TOKEN")}
    return {**env, "COLUMNS": str(WIDTH), **extra}


async def enrich(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`enrich ARGS` run from `cwd` (where a .env would be read), as a person runs it."""
    proc = await asyncio.create_subprocess_exec(
        ENRICH, *args, cwd=cwd, env=env or _env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def _table_rows(out: str) -> dict[int, str]:
    """Row number -> its line in a results table (a row that wrapped would leave lines that start otherwise)."""
    return {int(m.group(1)): line for line in out.splitlines() if (m := re.match(r"\s*(\d+)  ", line))}


async def test_results_progress_and_submit_read_well_in_110_columns(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    upload = tmp_path / "p.csv"
    upload.write_text(
        "product_id,Name\n"
        "pos-blender-200,My blender\n"
        "weak-pillow-p,Pillow P\n"
        "few-tripod-t,A tripod with a rather long name for the column\n"
        "notfound-kettle,Kettle\n"
        "many-lamp-1,Lamp\n"
    )
    async with serve(temporal_client, state, tmp_path) as api:
        code, out, err = await enrich("--api-url", api.url, "submit", str(upload), "--wait", cwd=tmp_path)
        assert code == 0, out + err
        job_id = out.split("job ", 1)[1].split()[0]
        # The end of --wait: the job's end state in full (the bar's own line is cut to the width), and plainly that
        # the demo source made the reviews up.
        assert f"\njob {job_id}: completed, 5 of 5 rows done (100%)\n" in out, out
        assert "  done:  succeeded 2 · low confidence 2 · failed 1\n" in out, out
        assert "Demo data: these reviews were invented by the offline demo source" in out
        assert max(len(line) for line in out.splitlines()) <= WIDTH, out

        code, out, err = await enrich("--api-url", api.url, "results", job_id, cwd=tmp_path)
        assert code == 0, err
        lines = out.splitlines()
        assert max(len(line) for line in lines) <= WIDTH, out
        rows = _table_rows(out)
        assert sorted(rows) == [2, 3, 4, 5, 6], out  # one line per row: nothing wrapped
        # title, header, rule, the rows, the notice: no line more
        assert len([line for line in lines if line.strip()]) == 3 + len(rows) + 1, out
        # The user's own name (the source's, "Demo <id>", follows only where it fits whole: see the wide terminal
        # below), and a long name and reason cut with an ellipsis.
        assert "  My blender  " in rows[2] and "Demo" not in rows[2], out
        assert "A tripod" in rows[4] and rows[4].rstrip().endswith("…"), out
        assert "product not found" in rows[5] and "failed" in rows[5]
        assert "positive, high" in rows[2] and "succeeded" in rows[2]
        # A score on a sample says so: 60 of the 400 reviews the source reports were scored (3 pages of 20).
        assert " 60 of 400 " in rows[6], out
        assert "change" not in lines[1]  # not a refresh job
        assert lines[-1].startswith("Demo data: these reviews were invented by the offline demo source.")
        # A wider terminal shows more of each: the source's name after the user's, the reason whole.
        code, out, err = await enrich("--api-url", api.url, "results", job_id, cwd=tmp_path, env=_env(COLUMNS="170"))
        assert code == 0, err
        assert "My blender · Demo pos-blender-200" in out and "product not found: notfound-kettle" in out, out

        code, out, err = await enrich("--api-url", api.url, "progress", job_id, cwd=tmp_path)
        assert code == 0, err
        assert out.splitlines()[0] == f"job {job_id}: completed, 5 of 5 rows done (100%)", out
        assert "done:  succeeded 2 · low confidence 2 · failed 1" in out
        assert "spent: " in out and "source requests" in out and "{" not in out
        code, out, _ = await enrich("--api-url", api.url, "progress", job_id, "--json", cwd=tmp_path)
        assert code == 0 and json.loads(out)["succeeded"] == 2

        # A refresh job of the same products: its table has the change of score since the stored result.
        code, out, err = await enrich(
            "--api-url", api.url, "submit", str(upload), "--wait", "-o", "refresh=true", cwd=tmp_path
        )
        assert code == 0, out + err
        refresh_id = out.split("job ", 1)[1].split()[0]
        code, out, err = await enrich("--api-url", api.url, "results", refresh_id, cwd=tmp_path)
        assert code == 0, err
        header = out.splitlines()[1].split()
        # (the widest reviews cell, "60 of 400", leaves no room for the score at 110 columns: it goes first)
        assert header[:4] == ["row", "product", "name", "reviews"] and "change" in header, out
        assert "+0.00" in _table_rows(out)[2], out  # the same demo reviews again: no change
        assert max(len(line) for line in out.splitlines()) <= WIDTH, out


async def test_the_cli_reads_api_url_and_token_from_dot_env(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    upload = tmp_path / "p.csv"
    upload.write_text("product_id\npos-env-1\n")
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with serve(temporal_client, state, tmp_path, token="tok") as api:
        code, out, err = await enrich("--api-url", api.url, "--token", "tok", "submit", str(upload), cwd=tmp_path)
        assert code == 0, out + err
        job_id = out.split()[-1]

        (tmp_path / ".env").write_text(f"API_URL={api.url}\nAPI_TOKEN=tok\n")
        code, out, err = await enrich("jobs", cwd=tmp_path)
        assert code == 0 and job_id in out, out + err  # both from .env

        # The environment wins over .env, and a flag over both.
        code, _, err = await enrich("jobs", cwd=tmp_path, env=_env(API_URL=nowhere))
        assert code == 3 and f"cannot reach the API at {nowhere}" in err
        code, out, err = await enrich("--api-url", api.url, "jobs", cwd=tmp_path, env=_env(API_URL=nowhere))
        assert code == 0 and job_id in out, err
        code, _, err = await enrich("jobs", cwd=tmp_path, env=_env(API_TOKEN="wrong"))
        assert code == 2, err
        (tmp_path / ".env").write_text(f"API_URL={api.url}\nAPI_TOKEN=wrong\n")
        code, out, err = await enrich("jobs", cwd=tmp_path, env=_env(API_TOKEN="tok"))
        assert code == 0 and job_id in out, err
        code, out, err = await enrich("--token", "tok", "jobs", cwd=tmp_path)
        assert code == 0 and job_id in out, err


async def test_submit_says_what_was_cut_and_when_no_row_can_run(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    long_text = "x" * 25_200
    cut = tmp_path / "cut.csv"
    cut.write_text(f"product_id,description\npos-1,{long_text}\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("product_id,name\n,Kettle\n,Toaster\n")
    async with serve(temporal_client, state, tmp_path) as api:
        code, out, err = await enrich("--api-url", api.url, "submit", str(cut), cwd=tmp_path)
        assert code == 0, out + err
        assert "0 invalid" in out and "row 2" in out and "truncated" in out, out
        code, out, err = await enrich("--api-url", api.url, "submit", str(empty), "--wait", cwd=tmp_path)
        assert code == 1, out + err
        assert "failed: no row could run: 2 of 2 rows invalid" in out, out
