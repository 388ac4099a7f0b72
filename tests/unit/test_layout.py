"""Guards for the repository layout (docs/architecture.md, "Contracts and layout")."""

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
    from internal.platform.migrate import discover

    names = [m.version for m in discover()]
    assert names == sorted(names)
    assert names[0].startswith("0001_")


def test_workflow_modules_import_only_deterministic_code() -> None:
    # The worker runs workflows unsandboxed (internal/app/worker.py): nothing stops workflow code from calling I/O at
    # run time but this rule and the sandboxed replay test. Workflows reach I/O only through activities by name.
    import ast
    import sys

    allowed_internal = ("internal.enrichment.contracts", "internal.domain", "internal.workflows")
    for path in sorted((REPO / "internal" / "workflows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "internal":
                    assert name.startswith(allowed_internal), f"{path.name} imports {name}"
                else:
                    assert top in sys.stdlib_module_names or top == "temporalio", f"{path.name} imports {name}"
