"""SQL statements more than one store of internal/state/ runs (each defined once, here)."""

from __future__ import annotations

from typing import Final

# $1 job_id, $2 row_num (NULL for job-level events), $3 kind, $4 details (jsonb).
INSERT_EVENT: Final = "INSERT INTO events (job_id, row_num, kind, details) VALUES ($1, $2, $3, $4) RETURNING event_id"
# $1 job_id: a retried intake (rows) and an abandoned one (intakes) both start over from no rows and no counts.
DELETE_ROWS: Final = "DELETE FROM job_rows WHERE job_id = $1"
DELETE_COUNTS: Final = "DELETE FROM job_counts WHERE job_id = $1"
