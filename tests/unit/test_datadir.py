"""DATA_DIR guard: the flock, who holds it, and what start-up failures turn into (internal/platform/startup.py)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from internal.platform.config import SettingsError
from internal.platform.stack.datadir import DataDirBusy, DataDirLock, DiskFull, check_data_dir
from internal.platform.startup import EXIT_CONFIG, EXIT_FAILURE, explain


def test_second_lock_on_a_data_dir_names_the_holder(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path)
    first.acquire()
    with pytest.raises(DataDirBusy) as busy:
        DataDirLock(tmp_path).acquire()
    assert busy.value.pid == os.getpid() and busy.value.data_dir == tmp_path
    first.release()
    again = DataDirLock(tmp_path)
    again.acquire()  # released: free again
    again.release()


def test_the_kernel_releases_the_lock_of_a_sigkilled_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from internal.platform.stack.datadir import DataDirLock; "
            "DataDirLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    with pytest.raises(DataDirBusy) as busy:
        DataDirLock(tmp_path).acquire()
    assert busy.value.pid == holder.pid
    holder.kill()
    holder.wait(10)
    deadline = time.monotonic() + 5
    lock = DataDirLock(tmp_path)
    while True:
        try:
            lock.acquire()
            break
        except DataDirBusy:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    lock.release()


def test_too_little_room_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(DiskFull):
        check_data_dir(tmp_path / "new", min_free=1 << 62)
    check_data_dir(tmp_path / "new", min_free=0)


def test_explain_finds_the_cause_under_wrappers_and_groups() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "/data/x")
    wrapped = RuntimeError("temporal dev server did not come up")
    wrapped.__cause__ = full
    code, message = explain(ExceptionGroup("tasks", [wrapped])) or (0, "")
    assert code == EXIT_FAILURE and message.startswith("no space left on device (/data/x)")
    assert explain(SettingsError("API_PORT must be ...")) == (EXIT_CONFIG, "API_PORT must be ...")
    assert explain(RuntimeError("a bug")) is None  # unknown: the traceback stays
