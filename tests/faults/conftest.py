"""The fault suite's figures: each test records what it measured, and `make faults` prints them at the end
(docs/reliability.md quotes a run)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

_FIGURES: list[tuple[str, str, str]] = []

Record = Callable[[str, object], None]


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Record:
    def record(name: str, value: object) -> None:
        _FIGURES.append((request.node.name, name, str(value)))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("fault suite figures")
    for test, name, value in _FIGURES:
        terminalreporter.write_line(f"{test:<58} {name:<40} {value}")
