"""CPU seconds spent by processes, for the benchmarks' "CPU ms per row" figures (psutil; user + system)."""

from __future__ import annotations

import psutil


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass  # a process that ended between listing and reading
    return total


def postgres_processes() -> list[psutil.Process]:
    """Every PostgreSQL server process on the machine (the embedded server forks one per connection)."""
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]


def postgres_snapshot() -> dict[int, float]:
    return {p.pid: cpu_seconds([p]) for p in postgres_processes()}


def postgres_since(snapshot: dict[int, float]) -> float:
    """CPU seconds PostgreSQL spent since `snapshot`, backends forked in between included."""
    return sum(max(0.0, cpu_seconds([p]) - snapshot.get(p.pid, 0.0)) for p in postgres_processes())
