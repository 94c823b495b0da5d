"""No import cycles between stdsearch's modules (issue 12: semantic/ and index/search imported
each other). Imports at module level count; those inside functions (loaded on first use) and under
``TYPE_CHECKING`` do not, nor a package importing its own submodules in its ``__init__``."""

from __future__ import annotations

import ast
from pathlib import Path

import stdsearch

SOURCE = Path(stdsearch.__file__).parent


def module_names() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    names = {}
    for path in SOURCE.rglob("*.py"):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(tree: ast.Module, known: dict[str, Path]) -> set[str]:
    """The stdsearch modules a module's top-level statements import (with the packages above them)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "stdsearch":
            found.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "stdsearch")
    with_parents = set()
    for name in found:
        parts = name.split(".")
        with_parents.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return {name for name in with_parents if name in known}


def import_graph() -> dict[str, set[str]]:
    """Module → the modules it imports, without a package's imports of its own submodules."""
    known = module_names()
    graph = {}
    for name, path in known.items():
        targets = imported(ast.parse(path.read_text(encoding="utf-8")), known)
        graph[name] = {t for t in targets if t != name and not t.startswith(name + ".")}
    return graph


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str]:
    """A path of imports from ``start`` back to itself ([] when there is none)."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for target in sorted(graph.get(module, ())):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return []


def test_no_module_imports_itself_through_others() -> None:
    graph = import_graph()
    assert "stdsearch.search.dense" in graph and "stdsearch.semantic.vectors" in graph
    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(graph, name))]
    assert cycles == [], " → ".join(cycles[0])


def test_a_cycle_would_be_found() -> None:
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert cycle_from({"a": {"b"}, "b": set()}, "a") == []
