"""The layer rule of docs/architecture.md, checked on the import graph.

Lower layers never import higher ones, modules import no private (``_name``)
name from another module, and the module graph has no cycles. Imports inside
functions count too: a function-level import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "engine"

# Lowest first; a module may import its own layer and the ones before it.
LAYERS = ["errors", "base", ("language", "input"), "model", "runtime", "render", "apps",
          "serve", "cli"]


def layer_of(module: str) -> int:
    """The rank of ``engine.<part>…``; the package itself (the facade) ranks above all."""
    parts = module.split(".")
    if len(parts) == 1:
        return len(LAYERS)
    head = parts[1]
    for rank, layer in enumerate(LAYERS):
        if head == layer or (isinstance(layer, tuple) and head in layer):
            return rank
    if head in ("__main__", "dask"):       # entry points and public facades
        return len(LAYERS)
    raise AssertionError(f"{module}: not in any layer of LAYERS; add it to docs/architecture.md and here")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, imported names, line)`` for every engine import in ``path``."""
    tree = ast.parse(path.read_text("utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "engine"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "engine":
                found.append((target, [a.name for a in node.names], node.lineno))
    return found


def graph(root: Path = PACKAGE) -> dict[str, list[tuple[str, list[str], int]]]:
    return {module_name(p): imports(p) for p in sorted(root.rglob("*.py"))}


def violations(edges: dict[str, list[tuple[str, list[str], int]]], known: set[str]) -> list[str]:
    """Every broken rule in an import graph, as ``module:line: what``."""
    problems = []
    for module, targets in edges.items():
        for target, names, line in targets:
            # ``from engine.x import y`` may name a submodule y: resolve it.
            resolved = [f"{target}.{n}" if f"{target}.{n}" in known else target for n in names] or [target]
            for dep in resolved:
                if module != "engine" and layer_of(dep) > layer_of(module):
                    problems.append(f"{module}:{line}: imports {dep}, a higher layer")
            for n in names:
                if n.startswith("_") and not n.startswith("__") and f"{target}.{n}" not in known:
                    problems.append(f"{module}:{line}: imports private {target}.{n}")
    # Cycles between modules (a depth-first search over module → module edges).
    adjacency = {m: sorted({t for t, names, _ in ts for t in
                            ([f"{t}.{n}" for n in names if f"{t}.{n}" in known] or [t])
                            if t in known and t != m}) for m, ts in edges.items()}
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for nxt in adjacency.get(m, []):
            if nxt == "engine" or m == "engine":
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [m, nxt]
                problems.append("cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[m] = 2

    for m in sorted(adjacency):
        if m not in state:
            visit(m, [m])
    return problems


def test_the_engine_keeps_the_layer_rule():
    edges = graph()
    assert violations(edges, set(edges)) == []


@pytest.mark.parametrize("module, target, names, expected", [
    ("engine.language.parser", "engine.runtime.report", ["Report"], "a higher layer"),
    ("engine.model.eventlog", "engine.input.times", ["_pinned"], "private"),
    ("engine.base.files", "engine.cli", ["main"], "a higher layer"),
])
def test_a_broken_rule_is_reported(module, target, names, expected):
    edges = graph()
    edges[module] = edges[module] + [(target, names, 1)]
    found = [p for p in violations(edges, set(edges)) if not p.startswith("cycle:")]
    assert len(found) == 1 and expected in found[0] and found[0].startswith(f"{module}:1:"), found


def test_a_cycle_is_reported():
    edges = {"engine.input.a": [("engine.input.b", ["x"], 3)], "engine.input.b": [("engine.input.a", ["y"], 4)]}
    assert any(p.startswith("cycle:") for p in violations(edges, set(edges)))
