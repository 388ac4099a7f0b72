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

    # Besides the workflow files: EnrichmentWorkflow's fetch step and retry policies, the alert announce step, and
    # each family's contracts.
    workflow_code = {"internal.enrichment.fetch_step", "internal.enrichment.policies", "internal.alerts.announce_step"}
    workflow_code |= {
        f"internal.{family}.contracts" for family in ("enrichment", "jobs", "schedules", "alerts", "ingest")
    }
    paths = sorted((REPO / "internal").glob("*/workflow.py"))
    workflow_code |= {_module_of(p) for p in paths}
    assert len(paths) == 5, paths
    for path in paths + [REPO / (m.replace(".", "/") + ".py") for m in sorted(workflow_code)]:
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
                    allowed = name.startswith("internal.domain.") or name in workflow_code
                    allowed |= any(name.startswith(m + ".") for m in workflow_code)
                    assert allowed, f"{path.name} imports {name}"
                else:
                    assert top in sys.stdlib_module_names or top == "temporalio", f"{path.name} imports {name}"


# ---- the import graph of internal/ (docs/architecture.md, "Layers") -------------------------------------------------

# Imports point down: a module imports only modules of its own rank or lower.
RANKS: dict[str, int] = {
    "internal.domain": 0,
    "internal.platform": 1,
    "internal.intake": 2,
    "internal.adapters": 2,
    "internal.ledger": 2,
    "internal.enrichment": 3,
    # Below jobs and schedules: their workflows call the announce activity through internal/alerts/contracts.py.
    "internal.alerts": 3,
    "internal.jobs": 4,
    "internal.schedules": 5,
    "internal.ingest": 5,
    "internal.app": 6,
    "internal.http": 6,
    "internal.cli": 6,
    # What the slices' routes need of HTTP: wire schemas, error answers, the disk check, the lookup of the service
    # a route calls. Ranked low, so they may import nothing of a slice (rank 3 and up).
    "internal.http.error_responses": 2,
    "internal.http.schemas": 2,
    "internal.http.disk": 2,
    "internal.http.lookup": 2,
    "internal.http.bodies": 2,
}
# The workflow families: none imports another's store or routes.
SLICES = ("internal.enrichment", "internal.jobs", "internal.schedules", "internal.alerts", "internal.ingest")
# A slice's modules that speak HTTP; the others (workflow, activities, service, ...) import nothing of internal.http.
SLICE_HTTP_MODULES = ("routes", "views", "schemas")
# Known upward imports, each with its reason: a whole module, or one "module -> import". None today.
EXEMPT: set[str] = set()


def _module_of(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, list[tuple[str, int]]]:
    """Every module of internal/ -> the internal modules it imports (with the line), counting imports inside
    functions and `if TYPE_CHECKING:` blocks: a lazy import is still a dependency."""
    import ast

    files = {_module_of(p): p for p in sorted((REPO / "internal").rglob("*.py"))}
    graph: dict[str, list[tuple[str, int]]] = {}
    for module, path in files.items():
        edges: list[tuple[str, int]] = []
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolve against this module's package
                    package = module.split(".")[: -node.level + (path.name == "__init__.py") or None]
                    base = ".".join([*package, *([base] if base else [])])
                # `from a.b import c` names module a.b.c when that file exists, else a name inside a.b.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            else:
                continue
            # internal/ imports nothing of the repository outside it (bench/, cmd/, tests/).
            edges += [(t, node.lineno) for t in targets if t.split(".")[0] in ("internal", "bench", "cmd", "tests")]
        graph[module] = sorted(set(edges), key=lambda e: (e[1], e[0]))
    return graph


def _rank(module: str) -> int:
    if not module.startswith("internal."):
        return 99  # bench/, cmd/, tests/: above everything in internal/
    match = max((p for p in RANKS if module == p or module.startswith(p + ".")), key=len, default=None)
    assert match is not None, f"{module} has no rank in RANKS: give its package one"
    return RANKS[match]


def _slice(module: str) -> str | None:
    return next((s for s in SLICES if module == s or module.startswith(s + ".")), None)


def _layer_violations(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    found = []
    for module, edges in graph.items():
        for target, line in edges:
            where = f"{module.replace('.', '/')}.py:{line} imports {target}"
            if f"{module} -> {target}" in EXEMPT or module in EXEMPT:
                continue
            if _rank(target) > _rank(module):
                found.append(f"{where} (rank {_rank(module)} -> {_rank(target)})")
            own, theirs = _slice(module), _slice(target)
            leaf, own_leaf = target.rsplit(".", 1)[-1], module.rsplit(".", 1)[-1]
            if own and theirs and own != theirs and ("store" in leaf or leaf.startswith("routes")):
                found.append(f"{where} (another slice's {'store' if 'store' in leaf else 'routes'})")
            if own and target.startswith("internal.http") and not own_leaf.startswith(SLICE_HTTP_MODULES):
                found.append(f"{where} (only a slice's routes speak HTTP)")
            if module.startswith("internal.http") and theirs and "store" in leaf:
                found.append(f"{where} (HTTP calls services, not stores)")
    return found


def _cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a set of modules that import one
    another in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w, _ in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return components


def test_imports_point_down_and_slices_keep_their_stores() -> None:
    found = _layer_violations(_import_graph())
    print("\n".join(found))
    assert not found, f"{len(found)} imports break the layering:\n" + "\n".join(found)


def _unit(module: str) -> str:
    """A module, or the sub-package it sits in (internal.platform.stack, internal.adapters.sources): a package's
    modules may import one another, but a package and a module beside it not both ways."""
    return ".".join(module.split(".")[:3])


def test_no_import_cycles() -> None:
    graph = _import_graph()
    units: dict[str, list[tuple[str, int]]] = {}
    for module, edges in graph.items():
        units.setdefault(_unit(module), []).extend((_unit(t), line) for t, line in edges if _unit(t) != _unit(module))
    found = []
    for g, name in ((graph, lambda m: m), (units, _unit)):
        for component in _cycles(g):
            if g is graph and len({_unit(m) for m in component}) > 1:
                continue  # the same cycle between units, reported once below
            members = set(component)
            lines = [
                f"  {m.replace('.', '/')}.py:{line} imports {t}"
                for m, targets in graph.items()
                if name(m) in members
                for t, line in targets
                if name(t) in members and name(t) != name(m)
            ]
            found.append(" <-> ".join(component) + "\n" + "\n".join(lines))
    print("\n".join(found))
    assert not found, f"{len(found)} import cycles:\n" + "\n".join(found)


def test_paths_the_code_computes_from_its_own_location_exist() -> None:
    # Moving a module changes what parents[n] of its __file__ is: the stack starts cmd/ scripts by path.
    from internal.platform.migrate import MIGRATIONS_DIR
    from internal.platform.stack.children import CMD

    assert (CMD / "worker.py").is_file() and (CMD / "server.py").is_file()
    assert any(MIGRATIONS_DIR.glob("0001_*.sql"))
