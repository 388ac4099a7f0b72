"""What workflows need to know about adapters by name, without importing them (adapters do I/O)."""

from __future__ import annotations

from internal.domain.options import ScorerName

# Scorers that run inside the worker process with no network call: fast, bounded and harmless to repeat when a
# workflow task fails, so workflows run them as local activities (no server round trip, no billed activity). The
# others (Comprehend, Gemini) are metered network calls that rate-limit, hang and run long: regular activities,
# with server-side retries and heartbeats.
IN_PROCESS_SCORERS: frozenset[ScorerName] = frozenset({"vader"})
