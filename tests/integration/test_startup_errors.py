"""Start-up failures as a user meets them (issue #9): the real cmd/ scripts, one line on stderr naming the cause
and what to do, exit 2 (configuration) or 1, and no traceback. Full and read-only disks are real tmpfs mounts."""

from __future__ import annotations

import contextlib
import errno
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from internal.platform.stack.proc import free_port
from tests.integration.cmd_harness import run_cmd


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@contextlib.contextmanager
def _listening() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@contextlib.contextmanager
def _tmpfs(where: Path, *options: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or mounted.returncode}): needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_api_port_taken(tmp_path: Path) -> None:
    with _listening() as port:
        result = run_cmd("server.py", tmp_path, API_PORT=str(port))
    assert result.returncode == 2
    assert _one_error_line(result) == (
        f"error: API_PORT {port} is already in use: stop what runs there or set API_PORT"
    )


def test_temporal_port_taken(tmp_path: Path) -> None:
    started = time.monotonic()
    with _listening() as port:
        result = run_cmd("up.py", tmp_path, TEMPORAL_EMBEDDED_PORT=str(port))
    assert result.returncode == 2
    assert _one_error_line(result) == (
        f"error: TEMPORAL_EMBEDDED_PORT {port} is already in use: stop what runs there or set TEMPORAL_EMBEDDED_PORT"
    )
    assert time.monotonic() - started < 20  # refused up front, not after waiting for a server that never comes
    assert not (tmp_path / "postgres").exists()  # nothing was started for it


def test_data_dir_not_writable(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "ro", "size=1m") as ro:
        data_dir = ro / "data"
        result = run_cmd("up.py", data_dir, cwd=tmp_path)  # DATA_DIR cannot even be created
    assert result.returncode == 2
    assert _one_error_line(result) == (
        f"error: DATA_DIR {data_dir} is not writable (Read-only file system): "
        "fix its permissions or set DATA_DIR to a writable directory"
    )


def test_disk_full(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "small", "size=4m") as small:
        data_dir = small / "data"
        data_dir.mkdir()
        with (small / "filler").open("wb") as fh:  # fill the disk for real: write until ENOSPC
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError as err:
                assert err.errno == errno.ENOSPC
        result = run_cmd("up.py", data_dir)
    assert result.returncode == 1
    assert _one_error_line(result) == (
        f"error: no space left for DATA_DIR {data_dir} (0 MiB free): free some space or set DATA_DIR on a disk "
        "with room"
    )


@pytest.mark.parametrize("script", ["worker.py", "server.py"])
def test_no_temporal_reachable(script: str, tmp_path: Path, db_url: str) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    result = run_cmd(
        script,
        tmp_path,
        TEMPORAL_HOST_PORT=nowhere,
        DATABASE_URL=db_url,
        API_PORT=str(free_port()),
    )
    assert result.returncode == 1
    assert _one_error_line(result) == (
        f"error: cannot reach Temporal at {nowhere}: start it (`make up`) or fix TEMPORAL_HOST_PORT"
    )


def test_show_traceback_keeps_the_traceback_for_a_bug_report(tmp_path: Path, db_url: str) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    result = run_cmd("worker.py", tmp_path, TEMPORAL_HOST_PORT=nowhere, DATABASE_URL=db_url, SHOW_TRACEBACK="1")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "Failed client connect" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: cannot reach Temporal")
