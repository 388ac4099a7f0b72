"""JobWorkflow's bookkeeping activities: their names, inputs and results.

Pure dataclasses, no I/O: workflow code imports this module inside the sandbox and calls the activities by name.
A row's own state (SET_ROW_STATE) is EnrichmentWorkflow's contract (internal/enrichment/contracts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from internal.domain.row_ref import RowRef

# Activity names (stable: they are recorded in workflow histories).
PAGE_ROWS = "page_rows"
SET_JOB_STATUS = "set_job_status"
CLOSE_OPEN_ROWS = "close_open_rows"


@dataclass(frozen=True)
class PageRowsInput:
    job_id: str
    after_row: int
    limit: int


@dataclass(frozen=True)
class PageRowsResult:
    rows: list[RowRef]


@dataclass(frozen=True)
class JobStatusInput:
    job_id: str
    status: str
    workflow_id: str | None = None
    error: str | None = None
    event: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobStatusResult:
    status: str
    changed: bool


@dataclass(frozen=True)
class CloseRowsInput:
    job_id: str
    status: str
    reason: str


@dataclass(frozen=True)
class CloseRowsResult:
    moved: int
