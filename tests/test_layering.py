"""The subpackages of schemashift depend on each other in one direction only.

Every import of every module counts, including those inside functions; imports made only for
type checkers (under ``if TYPE_CHECKING:``) do not. Top-level modules (``conf.py``,
``exceptions.py``, ...) are shared ground, not subpackages.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import schemashift

PACKAGE_DIR = Path(schemashift.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of the tree, skipping the bodies of ``if TYPE_CHECKING:`` blocks."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if is_type_checking_block(child):
                pending.extend(child.orelse)
            else:
                pending.append(child)


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imported_modules(path: Path, module: str) -> Iterator[str]:
    """The dotted names module ``module`` at ``path`` imports at run time (``from x import y``
    gives ``x`` and ``x.y``)."""
    is_package = path.name == "__init__.py"
    for node in runtime_nodes(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = node.module
            if node.level:
                source = resolve_relative(module, is_package, node.level, node.module)
            assert source is not None
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)


#: packages inside a subpackage that are layers of their own: ``core.management`` runs the
#: command line (``execute_from_command_line``) while the rest of ``core`` sits under ``models``
OWN_LAYERS = ("core.management",)


def subpackage_of(dotted: str) -> str | None:
    """``models`` for ``schemashift.models.fields``; None for top-level modules and others."""
    parts = dotted.split(".")
    if len(parts) < 2 or parts[0] != "schemashift":
        return None
    for layer in OWN_LAYERS:
        inner = ".".join(parts[1:])
        if inner == layer or inner.startswith(f"{layer}."):
            return layer
    return parts[1] if (PACKAGE_DIR / parts[1]).is_dir() else None


@functools.cache
def subpackage_edges() -> dict[tuple[str, str], set[str]]:
    """(importer, imported) subpackage pairs, each with the modules that make the edge."""
    edges: dict[tuple[str, str], set[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        importer = subpackage_of(module_name(path))
        if importer is None:
            continue
        for dotted in imported_modules(path, module_name(path)):
            imported = subpackage_of(dotted)
            if imported is not None and imported != importer:
                edges.setdefault((importer, imported), set()).add(module_name(path))
    return edges


def find_cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    """One cycle of the directed graph, as the list of its nodes, or None."""
    successors: dict[str, list[str]] = {}
    for source, target in sorted(edges):
        successors.setdefault(source, []).append(target)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for successor in successors.get(node, []):
            found = visit(successor, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(successors):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_two_subpackages_import_each_other() -> None:
    edges = subpackage_edges()
    mutual = sorted(
        f"{a} <-> {b}: {sorted(edges[a, b])} / {sorted(edges[b, a])}"
        for a, b in edges
        if a < b and (b, a) in edges
    )
    assert mutual == []


def test_subpackages_form_a_dag() -> None:
    edges = subpackage_edges()
    cycle = find_cycle(set(edges))
    assert cycle is None, " -> ".join(cycle or [])


def test_models_do_not_reach_the_database_layer() -> None:
    edges = subpackage_edges()
    assert ("models", "db") not in edges, sorted(edges.get(("models", "db"), ()))


def test_imports_are_found_inside_functions_but_not_type_checking_blocks(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from schemashift.db import connection\n"
        "def run():\n"
        "    from schemashift.migrations import loader\n"
        "    from ..apps import registry\n"
    )
    found = set(imported_modules(source, "schemashift.models.sample"))
    assert "schemashift.migrations.loader" in found
    assert "schemashift.apps.registry" in found
    assert not any(name.startswith("schemashift.db") for name in found)
