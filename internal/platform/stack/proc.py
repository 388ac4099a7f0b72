"""Process helpers shared by the embedded services."""

from __future__ import annotations

import asyncio
import ctypes
import signal
import socket
from collections.abc import Callable

import psutil

_PR_SET_PDEATHSIG = 1


class PortInUse(Exception):
    """A port we are configured to listen on already answers (the message is worded in internal/platform/startup.py)."""

    def __init__(self, setting: str, port: int) -> None:
        super().__init__(f"{setting} {port} is already in use")
        self.setting = setting
        self.port = port


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> None:
    """preexec_fn: have the kernel send `sig` to this child if its parent dies, even by SIGKILL.

    Without it a crashed `make up` would leave a Temporal server holding the port and the SQLite file.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
    except OSError:
        pass  # not Linux: fall back to the normal shutdown path


def pid_alive(pid: int) -> bool:
    """A running process (a zombie has exited: only its exit status is left)."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


async def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await asyncio.to_thread(port_open, host, port):
        if not alive():
            raise RuntimeError(f"process exited before {host}:{port} opened")
        if loop.time() > deadline:
            raise TimeoutError(f"{host}:{port} did not open within {timeout:.0f}s")
        await asyncio.sleep(0.1)
