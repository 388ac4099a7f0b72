"""What workflows need to know about adapters by name, without importing them (adapters do I/O)."""

from __future__ import annotations

from internal.domain.options import ScorerName

# Scorers that run inside the worker process with no network call: fast, bounded and harmless to repeat when a
# workflow task fails, so workflows run them as local activities (no server round trip, no billed activity). The
# others (Comprehend, Gemini) are metered network calls that rate-limit, hang and run long: regular activities,
# with server-side retries and heartbeats.
IN_PROCESS_SCORERS: frozenset[ScorerName] = frozenset({"vader"})
# In process as well from EnrichmentWorkflow steps version 4: the lexical scorer costs what VADER costs (one VADER
# pass and a look-up per term). Not e5: ~30 ms of CPU a sentence is a long call, which wants a regular activity's
# heartbeats and server-side retries.
IN_PROCESS_FROM_STEPS_4: frozenset[ScorerName] = IN_PROCESS_SCORERS | {"lexical"}

# An escalation to e5 rescores at most this many of a product's reviews, those the cheaper scorer was least sure of:
# at ~30 ms of CPU a sentence, rescoring every unsure review of a 60-review product costs seconds, and the product's
# verdict turns on its most doubtful reviews (docs/scorers.md, "The escalation chain", has the measured cost).
RESCORE_LIMIT: dict[str, int] = {"e5": 20}
