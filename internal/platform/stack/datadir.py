"""Guarding DATA_DIR before a stack starts on it: writable, with room, and locked to one stack.

One stack per DATA_DIR: an flock on DATA_DIR/stack.lock, held for the life of the stack owner.

flock rather than a pid file: the kernel drops the lock when the holder dies, even by SIGKILL, so a crashed stack
never leaves a stale lock behind, and a second stack on the same directory (two Temporal servers on one SQLite
file, two owners of one Postgres) is refused at once instead of corrupting the first.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

LOCK_NAME = "stack.lock"
# initdb writes ~40 MB and Temporal's SQLite grows from there: below this a first start would fail half-way.
MIN_FREE_BYTES = 64 * 1024 * 1024


class DataDirUnwritable(Exception):
    def __init__(self, data_dir: Path, err: OSError) -> None:
        super().__init__(f"DATA_DIR {data_dir} is not writable: {err.strerror}")
        self.data_dir = data_dir
        self.err = err


class DiskFull(Exception):
    def __init__(self, data_dir: Path, free_bytes: int) -> None:
        super().__init__(f"DATA_DIR {data_dir} has {free_bytes} bytes free")
        self.data_dir = data_dir
        self.free_bytes = free_bytes


def check_data_dir(data_dir: Path, min_free: int = MIN_FREE_BYTES) -> None:
    """Fail before anything starts when DATA_DIR cannot hold the stack, rather than half-way through initdb."""
    probe = data_dir / ".write-probe"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as fh:
            fh.write(b"probe")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise DiskFull(data_dir, 0) from None
        raise DataDirUnwritable(data_dir, err) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    free = shutil.disk_usage(data_dir).free
    if free < min_free:
        raise DiskFull(data_dir, free)


class DataDirBusy(Exception):
    """Another live process holds the DATA_DIR lock (the message is worded in internal/platform/startup.py)."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        super().__init__(f"DATA_DIR {data_dir} is locked by pid {pid}")
        self.data_dir = data_dir
        self.pid = pid


@dataclass
class DataDirLock:
    data_dir: Path
    _fd: int | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        return self.data_dir / LOCK_NAME

    @property
    def fd(self) -> int | None:
        """The locked descriptor: a child that inherits it (pass_fds) keeps the lock held until it too exits."""
        return self._fd

    def acquire(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC (Python's default): children do not hold the lock unless handed the descriptor on purpose.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise DataDirBusy(self.data_dir, holder_pid(self.path)) from None
            raise
        # The pid is only for the message a second stack prints; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor releases the flock; the file stays (harmless)


def holder_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
