"""The RunPython functions of squashed migrations, copied into the squash.

A RunPython function usually lives in its migration file, which cannot be imported by name
(``0002_fill``) and goes away once the squash has replaced it. Django leaves such functions
to be copied by hand; squashmigrations copies them: the function's source, the top-level
definitions of its file it uses (helpers, constants), and the import lines it needs. A name
taken twice (two files each defining ``forwards``) is renamed with its migration's number
(``forwards_0003``), in the copied code that refers to it too.
"""

from __future__ import annotations

import ast
import builtins
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemashift.exceptions import SerializationError
from schemashift.migrations.operations.special import RunPython
from schemashift.migrations.serializer import LocalFunction

#: names the migration file itself defines or imports
RESERVED = frozenset({"Migration", "migrations", "models", "settings"})


@dataclass
class CopiedCode:
    """The source to put in the squash file, and its import lines."""

    source: str = ""
    imports: set[str] = field(default_factory=set)
    #: ``module.name`` of each copied function RunPython calls, as written in the file
    functions: list[str] = field(default_factory=list)


@dataclass
class _Module:
    """One migration file's top level: its definitions and its imports, by bound name."""

    name: str
    number: str
    lines: list[str]
    definitions: dict[str, ast.stmt]
    imports: dict[str, str]


def copy_functions(operations: list[Any], migrations_module: str) -> tuple[list[Any], CopiedCode]:
    """The operations with each RunPython function of a migration file replaced by a
    LocalFunction naming its copy, and the copied code."""
    copier = _Copier(migrations_module)
    result = [copier.operation(operation) for operation in operations]
    return result, copier.finish()


class _Copier:
    def __init__(self, migrations_module: str) -> None:
        self.prefix = f"{migrations_module}."
        self.modules: dict[str, _Module] = {}
        #: (module, name) -> the name in the squash file
        self.names: dict[tuple[str, str], str] = {}
        self.taken: set[str] = set(RESERVED)
        #: (module, name) in the order the definitions are written
        self.order: list[tuple[str, str]] = []
        self.imports: dict[str, str] = {}  # bound name -> import line
        self.functions: list[str] = []

    def operation(self, operation: Any) -> Any:
        if not isinstance(operation, RunPython):
            return operation
        code = self.function(operation.code)
        reverse = operation.reverse_code
        reverse = self.function(reverse) if reverse is not None else None
        if code is operation.code and reverse is operation.reverse_code:
            return operation
        return RunPython(
            code,
            reverse_code=reverse,
            atomic=operation.atomic,
            hints=operation.hints,
            elidable=operation.elidable,
        )

    def function(self, function: Callable[..., Any]) -> Callable[..., Any]:
        module_name = getattr(function, "__module__", None) or ""
        if not (isinstance(function, types.FunctionType) and module_name.startswith(self.prefix)):
            return function
        module = self.module(module_name)
        name = function.__name__
        if function.__qualname__ != name or name not in module.definitions:
            raise SerializationError(
                f"Cannot copy the RunPython function {function.__qualname__} of migration "
                f"{module_name}: only functions defined at the top level of a migration file "
                "can be copied into the squash; move it to the top level."
            )
        self.need(module, name)
        local = self.names[(module.name, name)]
        self.functions.append(f"{module_name}.{name}")
        return LocalFunction(local, function)

    def module(self, module_name: str) -> _Module:
        if module_name not in self.modules:
            self.modules[module_name] = _read_module(module_name)
        return self.modules[module_name]

    def need(self, module: _Module, name: str) -> None:
        """Copy ``name``'s definition and, first, what it uses."""
        key = (module.name, name)
        if key in self.names:
            return
        local = name if name not in self.taken else f"{name}_{module.number}"
        if local in self.taken:
            raise SerializationError(
                f"Cannot copy {name} of migration {module.name} into the squash: the names "
                f"{name} and {local} are both taken. Rename one of the functions."
            )
        self.taken.add(local)
        self.names[key] = local
        statement = module.definitions[name]
        for used in sorted(_used_names(statement) - {name}):
            if used in module.definitions:
                self.need(module, used)
            elif used in module.imports:
                self.add_import(module, used)
        self.order.append(key)

    def add_import(self, module: _Module, name: str) -> None:
        line = module.imports[name]
        if self.imports.get(name, line) != line or (
            name in self.taken and name not in self.imports
        ):
            raise SerializationError(
                f"Cannot copy the functions of migration {module.name} into the squash: its "
                f"import of {name} ({line}) clashes with another copied name. Rename it."
            )
        self.imports[name] = line
        self.taken.add(name)

    def finish(self) -> CopiedCode:
        if not self.order:
            return CopiedCode()
        blocks = [self.source(module_name, name) for module_name, name in self.order]
        header = "# Copied by squashmigrations from the migrations it replaces."
        return CopiedCode(
            header + "\n" + "\n\n\n".join(blocks),
            set(self.imports.values()),
            self.functions,
        )

    def source(self, module_name: str, name: str) -> str:
        """The definition as written, or rewritten where a name it binds or uses was renamed."""
        module = self.modules[module_name]
        statement = module.definitions[name]
        renames = {
            old: new
            for (owner, old), new in self.names.items()
            if owner == module_name and old != new
        }
        if renames and ({name} | _used_names(statement)) & set(renames):
            renamed = _Renamer(renames).visit(ast.parse(_segment(module, statement)))
            return ast.unparse(ast.fix_missing_locations(renamed))
        return _segment(module, statement)


def _read_module(module_name: str) -> _Module:
    module = sys.modules.get(module_name)
    filename = getattr(module, "__file__", None)
    if module is None or not filename or not filename.endswith(".py"):
        raise SerializationError(
            f"Cannot copy the RunPython functions of migration {module_name}: its source file "
            "cannot be found."
        )
    text = Path(filename).read_text(encoding="utf-8")
    tree = ast.parse(text, filename)
    definitions: dict[str, ast.stmt] = {}
    imports: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            imports.update(_import_lines(statement))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if statement.name != "Migration":
                definitions[statement.name] = statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    definitions[target.id] = statement
    number = module_name.rpartition(".")[2].partition("_")[0]
    return _Module(module_name, number, text.splitlines(), definitions, imports)


def _import_lines(statement: ast.Import | ast.ImportFrom) -> Iterable[tuple[str, str]]:
    """``(bound name, the import line binding only it)`` for each name the import binds."""
    for alias in statement.names:
        if alias.name == "*":
            continue
        renamed = f" as {alias.asname}" if alias.asname else ""
        if isinstance(statement, ast.Import):
            bound = alias.asname or alias.name.partition(".")[0]
            yield bound, f"import {alias.name}{renamed}"
        else:
            source = "." * statement.level + (statement.module or "")
            yield alias.asname or alias.name, f"from {source} import {alias.name}{renamed}"


def _used_names(statement: ast.stmt) -> set[str]:
    """The global-looking names a definition reads (builtins left out)."""
    return {
        node.id
        for node in ast.walk(statement)
        if isinstance(node, ast.Name)
        and isinstance(node.ctx, ast.Load)
        and not hasattr(builtins, node.id)
    }


def _segment(module: _Module, statement: ast.stmt) -> str:
    """The statement's lines as written, decorators and comments inside it included."""
    decorators = getattr(statement, "decorator_list", [])
    first = min([statement.lineno, *(d.lineno for d in decorators)])
    last = statement.end_lineno or statement.lineno
    return "\n".join(module.lines[first - 1 : last])


class _Renamer(ast.NodeTransformer):
    def __init__(self, renames: dict[str, str]) -> None:
        self.renames = renames

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.renames.get(node.id, node.id)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.renames.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.name = self.renames.get(node.name, node.name)
        self.generic_visit(node)
        return node
