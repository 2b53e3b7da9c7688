"""A Migration as the source of its file, laid out as Django writes it and black formats it."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import MigrationError
from schemashift.migrations.serializer import (
    MIGRATIONS_IMPORT,
    MODELS_IMPORT,
    SETTINGS_IMPORT,
    Node,
    layout,
    serialize,
    serialize_node,
)
from schemashift.migrations.swappable import SETTING_DEPENDENCY

if TYPE_CHECKING:
    from schemashift.apps.registry import AppConfig
    from schemashift.migrations.migration import Migration

INDENT = "    "


class MigrationWriter:
    """Turns a Migration into the text of ``<app>/migrations/<name>.py``.

    The header comment (version and time) is the only part that changes between two runs
    over the same migration; ``include_header=False`` leaves it out. ``code`` is Python source
    placed between the imports and the class (functions a squash copied), with the import
    lines it needs in ``code_imports``.
    """

    #: the width generated lines are wrapped to: black's and ruff's default
    line_length = 88

    def __init__(
        self,
        migration: Migration,
        include_header: bool = True,
        code: str = "",
        code_imports: Iterable[str] = (),
    ) -> None:
        self.migration = migration
        self.include_header = include_header
        self.code = code
        self.code_imports = set(code_imports)

    @property
    def filename(self) -> str:
        return f"{self.migration.name}.py"

    def path(self, app_config: AppConfig) -> Path:
        """Where the file goes in the app's migrations package."""
        return Path(app_config.migrations_path) / self.filename

    def write(self, app_config: AppConfig) -> Path:
        """Write the file (creating the migrations package if needed) and return its path.

        The file is importable at once: import caches are invalidated and any bytecode
        compiled from an older file of the same name is removed.
        """
        path = self.path(app_config)
        _write_file(path, self.as_string(), f"{app_config.migrations_module}.{self.migration.name}")
        importlib.invalidate_caches()
        return path

    @staticmethod
    def serialize(value: Any) -> tuple[str, set[str]]:
        """``(source, imports)`` for one value; see schemashift.migrations.serializer."""
        return serialize(value)

    def as_string(self) -> str:
        """The complete file."""
        imports: set[str] = set(self.code_imports)
        body = self._body(imports)
        parts = []
        if self.include_header:
            parts.append(_header() + "\n\n")
        parts.append(_format_imports(imports))
        if self.code:
            parts.append("\n\n\n" + self.code.strip("\n"))
        parts.append("\n\n\nclass Migration(migrations.Migration):\n")
        parts.append("\n\n".join(body))
        parts.append("\n")
        return "".join(parts)

    # -- the class body ---------------------------------------------------------------------

    def _body(self, imports: set[str]) -> list[str]:
        migration = self.migration
        statements = []
        if migration.replaces:
            statements.append(self._keys("replaces", migration.replaces, imports))
        if migration.initial is not None:
            statements.append(f"{INDENT}initial = {bool(migration.initial)!r}")
        if not migration.atomic:
            statements.append(f"{INDENT}atomic = False")
        statements.append(self._dependencies(imports))
        if migration.run_before:
            statements.append(
                self._keys("run_before", sorted(migration.run_before, key=tuple), imports)
            )
        operations = [self._operation(op, 2, imports) for op in migration.operations]
        statements.append(_expanded_block(f"{INDENT}operations = ", "[", operations, "]", 1))
        return statements

    def _dependencies(self, imports: set[str]) -> str:
        """``dependencies = [...]``: migration keys, then swappable ones as Django writes them
        (``migrations.swappable_dependency(settings.AUTH_USER_MODEL)``)."""
        keys = sorted(
            (key for key in self.migration.dependencies if key[0] != SETTING_DEPENDENCY),
            key=tuple,
        )
        items = [self._item(tuple(key), 2, 0, imports) for key in keys]
        settings = sorted(
            {key[1] for key in self.migration.dependencies if key[0] == SETTING_DEPENDENCY}
        )
        if settings:
            imports.add(SETTINGS_IMPORT)
        items += [f"migrations.swappable_dependency(settings.{name})" for name in settings]
        return _expanded_block(f"{INDENT}dependencies = ", "[", items, "]", 1)

    def _keys(self, name: str, keys: list[tuple[str, str]], imports: set[str]) -> str:
        items = [self._item(tuple(key), 2, 0, imports) for key in keys]
        return _expanded_block(f"{INDENT}{name} = ", "[", items, "]", 1)

    def _item(self, value: Any, level: int, prefix: int, imports: set[str]) -> str:
        """One value on its own line at ``level``, followed by a comma, wrapped if too long."""
        node, value_imports = serialize_node(value)
        imports |= value_imports
        return self._layout(node, level, prefix)

    def _layout(self, node: Node, level: int, prefix: int) -> str:
        indent = len(INDENT) * level
        return layout(node, indent, indent + prefix, 1, self.line_length)

    def _operation(self, operation: Any, level: int, imports: set[str]) -> str:
        """``migrations.Op(`` with one keyword argument per line and ``),``."""
        name, args, kwargs = operation.deconstruct()
        if "." in name:
            reference, reference_imports = _path_reference(name)
        else:
            reference, reference_imports = serialize(type(operation))
        imports |= reference_imports
        keys = _positional_names(type(operation), len(args))
        arguments = [
            self._argument(key, value, level + 1, imports)
            for key, value in [*zip(keys, args, strict=True), *kwargs.items()]
        ]
        if not arguments:
            return f"{reference}()"
        return _expanded_block("", f"{reference}(", arguments, ")", level)

    def _argument(self, key: str | None, value: Any, level: int, imports: set[str]) -> str:
        """``key=value``; lists, tuples and dicts are opened with one item per line (Django)."""
        prefix = "" if key is None else f"{key}="
        if isinstance(value, (list, tuple, dict)) and value:
            if isinstance(value, dict):
                items = []
                for item_key, item_value in value.items():
                    key_source = self._item(item_key, level + 1, 0, imports)
                    item_prefix = len(key_source) + 2
                    value_source = self._item(item_value, level + 1, item_prefix, imports)
                    items.append(f"{key_source}: {value_source}")
                return _expanded_block(prefix, "{", items, "}", level)
            items = [self._item(item, level + 1, 0, imports) for item in value]
            if isinstance(value, tuple):
                return _expanded_block(prefix, "(", items, ")", level)
            return _expanded_block(prefix, "[", items, "]", level)
        return prefix + self._item(value, level, len(prefix), imports)


def write_migrations(migrations: Iterable[tuple[Migration, AppConfig]]) -> list[Path]:
    """Write the file of every ``(migration, app_config)``, or none of them.

    A file already at one of the paths (one the loader did not read, such as in a folder
    without ``__init__.py``) stops everything before anything is written; a file that cannot
    be written removes the ones written before it. Returns the paths written, in order.
    """
    files = [
        (
            MigrationWriter(migration).path(config),
            MigrationWriter(migration).as_string(),
            f"{config.migrations_module}.{migration.name}",
        )
        for migration, config in migrations
    ]
    existing = [path for path, _source, _module in files if path.exists()]
    if existing:
        raise MigrationError(
            f"{_shown(existing[0])} already exists and is not one of the app's migrations (is "
            "its folder missing __init__.py?). Move it away or fix the folder; no migration "
            "file was written."
        )
    created: list[Path] = []
    try:
        for path, source, module in files:
            created.extend(_write_file(path, source, module))
    except OSError as exc:
        for path in reversed(created):
            path.unlink(missing_ok=True)
        raise _write_error(exc) from None
    importlib.invalidate_caches()
    return [path for path, _source, _module in files]


def _write_file(path: Path, source: str, module: str) -> list[Path]:
    """Write one migration file, and its package's ``__init__.py``; the files it created.

    Bytecode compiled from an older file of the same name, and the module imported from it,
    are forgotten so that the new file is what gets imported next.
    """
    created: list[Path] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    init = path.parent / "__init__.py"
    if not init.exists():
        init.write_text("", encoding="utf-8")
        created.append(init)
    created.append(path)
    path.write_text(source, encoding="utf-8")
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)
    sys.modules.pop(module, None)
    return created


def _write_error(exc: OSError) -> MigrationError:
    target = _shown(Path(exc.filename)) if exc.filename else "the migrations folder"
    reason = exc.strerror or str(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = "a file is in the way of the migrations folder"
    return MigrationError(
        f"Cannot write {target}: {reason}. Make sure the app's migrations folder is a folder "
        "you can write to; no migration file was written."
    )


def _shown(path: Path) -> str:
    """A path as the user sees it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _expanded_block(prefix: str, opener: str, items: list[str], closer: str, level: int) -> str:
    """``prefix + opener``, each item on its own line one level deeper with a comma, closer.

    The trailing commas keep black and ruff from joining the lines again.
    """
    if not items:
        return f"{prefix}{opener}{closer}"
    pad = INDENT * (level + 1)
    lines = [f"{prefix}{opener}"]
    lines += [f"{pad}{item}," for item in items]
    lines.append(f"{INDENT * level}{closer}")
    return "\n".join(lines)


def _positional_names(cls: type, count: int) -> list[str | None]:
    """Names for the first ``count`` constructor arguments, so they are written as keywords.

    An argument the signature cannot name (``*args``) stays positional (None).
    """
    if not count:
        return []
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return [None] * count
    names: list[str | None] = []
    for index in range(count):
        parameter = parameters[index] if index < len(parameters) else None
        if parameter is not None and parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            names.append(parameter.name)
        else:
            names.append(None)
    # Once one argument stays positional, the ones before it must too.
    if None in names:
        return [None] * count
    return names


def _path_reference(path: str) -> tuple[str, set[str]]:
    """A dotted class path from a custom operation's deconstruct() as a reference."""
    module, _, name = path.rpartition(".")
    if module == "schemashift.migrations":
        return f"migrations.{name}", {MIGRATIONS_IMPORT}
    return path, {f"import {module}"}


def _header() -> str:
    from schemashift.utils.timezone import now

    try:
        from schemashift import __version__ as version
    except ImportError:
        version = "0.1.0"
    return f"# Generated by schemashift {version} on {now().strftime('%Y-%m-%d %H:%M')}"


def _format_imports(imports: set[str]) -> str:
    """Import lines sorted as isort does: the standard library first, then the rest.

    ``from schemashift import migrations, models`` is always there, merged into one line.
    """
    imports = set(imports)
    has_models = MODELS_IMPORT in imports
    imports -= {MODELS_IMPORT, MIGRATIONS_IMPORT}
    imports.add("from schemashift import migrations, models" if has_models else MIGRATIONS_IMPORT)
    sections: dict[bool, list[str]] = {True: [], False: []}
    for line in imports:
        module = line.split()[1]
        sections[module.partition(".")[0] in sys.stdlib_module_names].append(line)
    blocks = []
    for is_stdlib in (True, False):
        lines = sorted(sections[is_stdlib], key=_import_sort_key)
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _import_sort_key(line: str) -> tuple[bool, str, str]:
    kind, module = line.split()[:2]
    return (kind == "from", module.lower(), line)
