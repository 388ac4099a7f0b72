"""What a person running the worker reads on the console (the text log handler at INFO, as configure_logging sets
it up) while real jobs run: an expected outcome (a product not found, a 503 the retry policy absorbs) is one line
and no traceback; an error nobody expected still shows its traceback."""

from __future__ import annotations

import io
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.client import Client

from internal.adapters.sources.demo import DemoSource
from internal.app.state import StateManager
from internal.domain.models import ReviewPage
from internal.jobs.enricher import TemporalEnricher
from internal.platform.logs import log_handler
from tests.integration.harness import new_job, running_worker, wait_until_done

TRACEBACK = "Traceback (most recent call last)"


class BuggySource(DemoSource):
    """The demo source (`notfound-*` not found, `flaky-*` answers each page with a 503 once), and `bug-*` hits a
    bug of ours on its first page once: an exception no source is meant to raise."""

    def __init__(self) -> None:
        super().__init__()
        self.bugs = 0

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        if product_id.startswith("bug-") and not self.bugs:
            self.bugs += 1
            raise KeyError("a bug in our own code")
        return await super().fetch_page(product_id, cursor)


@contextmanager
def console() -> Iterator[io.StringIO]:
    """The root logger as `make run`'s worker has it: the text handler at INFO, into a string."""
    out = io.StringIO()
    handler = log_handler("text")
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_expected_outcomes_are_one_line_and_a_bug_keeps_its_traceback(
    temporal_client: Client, state: StateManager
) -> None:
    # flaky: 25 reviews, two pages, each answered with a 503 once.
    job_id = await new_job(state, ["pos-1", "notfound-2", "flaky-3", "bug-4"], {"window": 4})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    with console() as out:
        async with running_worker(temporal_client, state, task_queue=queue, sources={"demo": BuggySource()}):
            await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
            await wait_until_done(state, job_id, client=temporal_client)
    text = out.getvalue()
    rows = {r.product_id: r for r in await state.rows.get_results(job_id)}

    def row(product_id: str) -> str:  # the context a line logged for that row carries
        return f"row={rows[product_id].row_num} "

    assert rows["notfound-2"].status == "failed" and rows["notfound-2"].reason == "product not found: notfound-2"
    assert {rows[p].status for p in ("pos-1", "flaky-3", "bug-4")} == {"succeeded"}, rows

    # The bug: the SDK's warning with its traceback, once (its one failed attempt), naming the row.
    assert text.count(TRACEBACK) == 1, text
    lines = text.splitlines()
    at = lines.index(TRACEBACK + ":")
    assert " WARNING temporalio.activity: Completing activity as failed" in lines[at - 1]
    assert row("bug-4") in lines[at - 1]
    assert "KeyError: 'a bug in our own code'" in text[text.index(TRACEBACK) :]
    # The expected ones: one line each, naming the row, with what happens next.
    not_found = [line for line in lines if "notfound-2" in line]
    assert len(not_found) == 1, not_found
    assert " INFO internal.enrichment.beats: product not found: notfound-2: the row fails (not retried)" in not_found[0]
    assert row("notfound-2") in not_found[0]
    retried = [line for line in lines if "simulated 503" in line]
    assert len(retried) == 2, retried
    for line in retried:
        assert re.search(
            r" WARNING \S+: demo source: simulated 503 for flaky-3 page \d: retrying \(attempt \d of 10", line
        )
        assert row("flaky-3") in line
