"""Intakes a crash cut off, found and cleaned up when the API starts (partial uploads: LocalUploads.sweep).

Run before the API serves its first request (internal/http/serve.py). Safe with other API processes alive on the
same database: an intake that is still running holds its lease (internal/jobs/upload_store.py) and is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from internal.adapters.uploads.local import UploadStore
from internal.jobs.stores import JobStores


@dataclass(frozen=True)
class Recovered:
    job_id: str
    rows_removed: int
    action: str  # "failed" (the upload went with the request) or "start_again" (the stored upload is kept)


async def recover_intakes(state: JobStores, uploads: UploadStore) -> list[Recovered]:
    done: list[Recovered] = []
    for stalled in await state.intakes.stalled():
        async with state.intakes.lease(stalled.job_id) as held:
            if not held:
                continue  # alive in another process
            kept = await uploads.size(stalled.job_id) is not None
            # A CSV sent in the request body is gone with the request; a signed upload is still stored.
            action = "start_again" if kept else "failed"
            failure = (
                None
                if kept
                else f"the API stopped while reading this upload ({stalled.rows_read:,} rows read); "
                "nothing was started: upload the file again"
            )
            event = {
                "rows_removed": stalled.rows_read,
                "action": action,
                "message": "the API stopped during intake; "
                + ("the stored upload is kept: start the job again" if kept else "upload the file again"),
            }
            if await state.intakes.abandon(stalled.job_id, failure=failure, event=event):
                done.append(Recovered(stalled.job_id, stalled.rows_read, action))
    return done
