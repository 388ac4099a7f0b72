"""The enricher facade (internal/jobs/facade.py) has one implementation in production, TemporalEnricher; the
benchmark's in-process baseline (bench/channel_enricher.py) implements it too, so the interface stays one that a
non-Temporal pipeline can honour. Here: both are complete, with the facade's signatures, and production code never
imports the benchmark. tests/integration/test_enrichers.py runs the same job through both."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from bench.channel_enricher import ChannelEnricher
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.facade import Enricher

REPO = Path(__file__).resolve().parents[2]
# The old pipeline's interface, which teams migrating from it rely on, plus what the API adds.
FACADE = ("enrich", "get_progress", "cancel", "get_results", "pause", "resume", "rerun")


@pytest.mark.parametrize("implementation", [TemporalEnricher, ChannelEnricher])
def test_implements_the_whole_facade(implementation: type[Enricher]) -> None:
    assert issubclass(implementation, Enricher)
    assert not inspect.isabstract(implementation), implementation.__abstractmethods__
    for name in FACADE:
        ours, facade = getattr(implementation, name), getattr(Enricher, name)
        assert inspect.iscoroutinefunction(ours), name
        assert inspect.signature(ours) == inspect.signature(facade), name


def test_the_facade_is_what_it_says() -> None:
    # A method added to the facade must be added to FACADE above, so both implementations are held to it.
    public = {name for name, _ in inspect.getmembers(Enricher, inspect.isfunction) if not name.startswith("_")}
    assert public == set(FACADE)


def test_production_code_never_imports_the_benchmarks() -> None:
    # The channel pipeline is a benchmark baseline, not a second engine: nothing the service runs may reach it.
    for root in ("internal", "cmd"):
        for path in sorted((REPO / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    modules = [node.module or ""]
                else:
                    continue
                assert not any(m == "bench" or m.startswith("bench.") for m in modules), path
