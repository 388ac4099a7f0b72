"""One way to build a Temporal client from settings (embedded, self-hosted with mTLS, or Temporal Cloud)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import TLSConfig

from internal.platform.config import Settings


class TemporalUnreachable(Exception):
    """No Temporal server answers at the configured address (the message is worded in internal/platform/startup.py)."""

    def __init__(self, address: str, detail: str) -> None:
        super().__init__(f"cannot reach Temporal at {address}: {detail}")
        self.address = address


def metrics_runtime(port: int) -> Runtime:
    """A Temporal runtime whose SDK (core) metrics are served for Prometheus on 127.0.0.1:<port>/metrics."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}")))


async def connect_client(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    tls: TLSConfig | bool = False
    if settings.temporal_tls_cert and settings.temporal_tls_key:
        tls = TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes(),
            client_private_key=settings.temporal_tls_key.read_bytes(),
        )
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    if api_key and tls is False:
        tls = True  # Temporal Cloud API keys are only accepted over TLS
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            tls=tls,
            api_key=api_key,
            runtime=runtime,
        )
    except RuntimeError as err:
        # The SDK's bridge raises a bare RuntimeError("Failed client connect: …") with the cause in the text.
        if "Failed client connect" not in str(err):
            raise
        raise TemporalUnreachable(settings.temporal_address, str(err)) from err
