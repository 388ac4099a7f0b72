"""The whole upload path (intake → StateManager) on every corpus file: exact statuses, duplicates included."""

from __future__ import annotations

import io
from typing import Any

import pytest

from internal.app.state import StateManager
from internal.intake import CsvIntakeError
from internal.jobs.upload import create_job_from_csv
from internal.ledger.jobs import JobNotFound
from tests.corpus import CORPUS, corpus_cases


@pytest.mark.parametrize(("name", "expected"), corpus_cases(), ids=[n for n, _ in corpus_cases()])
async def test_corpus_upload(state: StateManager, name: str, expected: dict[str, Any]) -> None:
    job_id = name.removesuffix(".csv")
    stream = io.BytesIO((CORPUS / name).read_bytes())
    # The parser reads a header-only file fine (that is what the manifest records); a job refuses it.
    code = expected["error"]["code"] if "error" in expected else None if expected["rows"] else "no_data_rows"
    if code is not None:
        with pytest.raises(CsvIntakeError) as err:
            await create_job_from_csv(state, stream, job_id=job_id, filename=name)
        assert err.value.code == code
        assert code != "no_data_rows" or name in err.value.message
        with pytest.raises(JobNotFound):
            await state.jobs.get_job(job_id)  # a rejected upload leaves nothing behind
        return
    outcome = await create_job_from_csv(state, stream, job_id=job_id, filename=name)
    rows = await state.rows.get_results(job_id, limit=1000)
    assert [(r.row_num, r.status) for r in rows] == [(e["row"], e["status"]) for e in expected["rows"]]
    for row, want in zip(rows, expected["rows"], strict=True):
        for key in ("reason_contains", "note_contains"):  # a note (a truncated cell) is said in the row's reason
            if key in want:
                assert row.reason is not None and want[key] in row.reason, (row.row_num, row.reason)
        if want["status"] != "invalid":
            assert row.product_id == want["product_id"]
    progress = outcome.progress
    assert progress.total == len(expected["rows"])
    assert sum(progress.counts.values()) == progress.total
    invalid = [e for e in expected["rows"] if e["status"] == "invalid"]
    assert len(outcome.samples.invalid) == len(invalid)
    assert all(s["row"] and s["reason"] for s in outcome.samples.invalid)


async def test_rejected_midway_leaves_no_job(state: StateManager) -> None:
    body = b"".join(b"P%d,ok\n" % i for i in range(12_000)) + b"BAD,caf\xe9\n"
    with pytest.raises(CsvIntakeError):
        await create_job_from_csv(state, io.BytesIO(b"product_id,name\n" + body), job_id="half", batch_size=1000)
    with pytest.raises(JobNotFound):
        await state.jobs.get_job("half")


async def test_same_idempotency_key_returns_the_first_job(state: StateManager) -> None:
    data = b"product_id\nA\nB\n"
    first = await create_job_from_csv(state, io.BytesIO(data), job_id="one", idempotency_key="k")
    again = await create_job_from_csv(state, io.BytesIO(b"product_id\nC\n"), job_id="two", idempotency_key="k")
    assert first.created and not again.created
    assert again.job.job_id == "one" and again.progress.total == 2
