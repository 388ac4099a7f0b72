"""Playwright on Debian's chromium: the browser builds `playwright install` downloads are not reachable here, so the
session installs the distribution's package when it is missing (as root) and points Playwright at it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")


def _install_chromium() -> str | None:
    """None when chromium is there (installed now if need be), else why it could not be."""
    if CHROMIUM.exists():
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and this is not a root Debian shell to `apt-get install -y chromium` in"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "chromium"]
    # The package lists may be missing or stale on a fresh machine: update once and try again.
    for cmd in (install, ["apt-get", "update"], install):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
        if cmd[1] == "install" and done.returncode == 0 and CHROMIUM.exists():
            return None
    return f"apt-get install -y chromium failed: {done.stderr.strip()[-500:]}"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    problem = _install_chromium()
    if problem:
        pytest.skip(problem)
    return str(CHROMIUM)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()
