"""Free space under DATA_DIR: the embedded PostgreSQL and the upload files live there."""

from __future__ import annotations

import shutil
from pathlib import Path

from internal.domain.errors import ServiceError
from internal.intake.rejections import human_bytes
from internal.platform.config import Settings


class InsufficientStorage(ServiceError):
    """No room left on a disk this service writes to (DATA_DIR, or the database's)."""

    status, code = 507, "insufficient_storage"


def free_bytes(data_dir: Path) -> int:
    # DATA_DIR may not exist yet on a fresh machine: what counts is the disk it will be made on.
    path = data_dir.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def disk_problem(settings: Settings) -> str | None:
    """None when there is room, else the sentence /healthz and a refused job both show."""
    free = free_bytes(settings.data_dir)
    floor = settings.min_free_disk_mb * 1024 * 1024
    if free >= floor:
        return None
    return (
        f"only {human_bytes(free)} free under DATA_DIR ({settings.data_dir}), "
        f"below MIN_FREE_DISK_MB={settings.min_free_disk_mb}"
    )


def require_space(settings: Settings) -> None:
    """Refuse new work up front rather than fail half-way through storing it."""
    problem = disk_problem(settings)
    if problem:
        raise InsufficientStorage(f"no room for a new job: {problem}")
