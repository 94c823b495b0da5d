"""No module that uses Whoosh reads another object's private attributes (``_read_ids``,
``_perdoc``, ``_field_B`` … are Whoosh internals that may change in any release): only
``self``/``cls`` may use underscored names, and no class is recognised by its private name."""

from __future__ import annotations

import ast
from pathlib import Path

import stdsearch

SOURCES = Path(stdsearch.__file__).parent


def private_reads(path: Path) -> list[str]:
    """``file:line attribute`` of every ``x._name`` where x is not self or cls, and every
    comparison with a private class name as a string."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value.id if isinstance(node.value, ast.Name) else ""
            if owner not in ("self", "cls"):
                found.append(f"{path.relative_to(SOURCES)}:{node.lineno} {ast.unparse(node)}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ("_NullQuery",):
            found.append(f"{path.relative_to(SOURCES)}:{node.lineno} {node.value!r}")
    return found


def whoosh_modules() -> list[Path]:
    """The modules that import Whoosh."""
    return [p for p in sorted(SOURCES.rglob("*.py")) if "from whoosh" in p.read_text(encoding="utf-8")]


def test_no_private_attribute_is_read_where_whoosh_is_used() -> None:
    modules = whoosh_modules()
    assert SOURCES / "search" / "engines" / "whoosh_arrays.py" in modules
    assert [line for path in modules for line in private_reads(path)] == []


def test_the_check_finds_a_private_read(tmp_path: Path) -> None:
    sample = SOURCES / "search" / "engines" / "whoosh_arrays.py"
    planted = tmp_path / "planted.py"
    planted.write_text(sample.read_text(encoding="utf-8") + "\nx = matcher._read_ids()\n", encoding="utf-8")
    assert any("matcher._read_ids" in line for line in private_reads_at(planted, tmp_path))


def private_reads_at(path: Path, root: Path) -> list[str]:
    """:func:`private_reads` of a file outside the package (for the test of the check)."""
    global SOURCES
    saved, SOURCES = SOURCES, root
    try:
        return private_reads(path)
    finally:
        SOURCES = saved
