"""Guards for the repository layout (DESIGN.md §6)."""

from __future__ import annotations

import cmd
import importlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_cmd_is_the_standard_library_module() -> None:
    # A cmd/__init__.py would shadow this and break pdb and pytest's debugger.
    assert hasattr(cmd, "Cmd")
    assert not (REPO / "cmd" / "__init__.py").exists()
    assert Path(cmd.__file__).resolve().parent != REPO / "cmd"


def test_internal_resolves_inside_this_repo() -> None:
    internal = importlib.import_module("internal")
    assert internal.__file__ is not None
    assert Path(internal.__file__).resolve().parent == REPO / "internal"


def test_migrations_are_numbered_and_forward_only() -> None:
    from internal.state.migrate import discover

    names = [m.version for m in discover()]
    assert names == sorted(names)
    assert names[0].startswith("0001_")
