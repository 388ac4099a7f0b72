"""Ids made from content: the hash that stands in for a review id when a source gives none, and the Temporal
workflow ids of a job and of its rows (which the logs read back)."""

from __future__ import annotations

import hashlib


def content_id(*parts: str | None) -> str:
    """A stable review id from its content, so re-fetching a page does not store the same review twice.

    The parts are joined by the unit separator (a missing part counts as empty) and hashed as they are: each caller
    chooses which parts identify its reviews and whether to normalise them first. These ids are stored (the
    `reviews` key), so changing this rule would store every review of an existing job a second time.
    """
    joined = "\x1f".join(p or "" for p in parts)
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()[:32]


def job_workflow_id(job_id: str) -> str:
    return f"job-{job_id}"


def child_workflow_id(job_id: str, row_num: int) -> str:
    # Deterministic from job and row: a retried start finds the same child, and ids are searchable.
    return f"enrich-{job_id}-row-{row_num}"


def parse_workflow_id(workflow_id: str) -> tuple[str | None, int | None]:
    """(job_id, row) named by one of the two ids above, (None, None) for any other; the logs use it."""
    if workflow_id.startswith("enrich-"):
        job_id, sep, row = workflow_id.removeprefix("enrich-").rpartition("-row-")
        if sep and job_id and row.isdigit():
            return job_id, int(row)
    if workflow_id.startswith("job-") and len(workflow_id) > 4:
        return workflow_id.removeprefix("job-"), None
    return None, None
