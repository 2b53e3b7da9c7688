"""The rewrite that ports Django code: ``django.X`` names become ``schemashift.X``.

The rule, applied to Python source token by token (comments and unrelated text untouched):

- ``django.db.models...`` -> ``schemashift.models...``
- ``django.db.migrations...`` -> ``schemashift.migrations...``
- ``from django.db import ...`` -> ``from schemashift import ...``
- every other ``django.X`` -> ``schemashift.X``

It applies to dotted names in code (import statements and attribute chains such as
``django.db.models.deletion.CASCADE``) and to string literals that are nothing but a dotted
path starting with ``django.`` (``"django.contrib.auth"``, ``"django.db.models.BigAutoField"``).
Ported source ports to itself.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import re
import tokenize
from dataclasses import dataclass

OLD_ROOT = "django"
NEW_ROOT = "schemashift"

# Django modules that moved one level up in schemashift
_MOVED = {
    "django.db.models": "schemashift.models",
    "django.db.migrations": "schemashift.migrations",
}
_DOTTED_PATH = re.compile(r"django(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


class PortSyntaxError(ValueError):
    """The source cannot be read as Python tokens (the message says where)."""


@dataclass(frozen=True)
class Ported:
    """The rewritten source and how many names changed in it."""

    source: str
    changes: int


def port_name(dotted: str) -> str:
    """The schemashift name for a dotted Django name (other names unchanged)."""
    for old, new in _MOVED.items():
        if dotted == old or dotted.startswith(old + "."):
            return new + dotted[len(old) :]
    if dotted == OLD_ROOT or dotted.startswith(OLD_ROOT + "."):
        return NEW_ROOT + dotted[len(OLD_ROOT) :]
    return dotted


def port_source(source: str) -> Ported:
    """Rewrite the Django names of one module's source; line endings are kept."""
    lines = io.StringIO(source, newline="").readlines()
    try:
        tokens = list(tokenize.generate_tokens(iter(lines).__next__))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise PortSyntaxError(str(exc)) from None
    edits = _name_edits(tokens) + _string_edits(tokens)
    for (row, start, end), text in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + text + line[end:]
    return Ported("".join(lines), len(edits))


Edit = tuple[tuple[int, int, int], str]


def _name_edits(tokens: list[tokenize.TokenInfo]) -> list[Edit]:
    """Dotted names starting with ``django``, in code."""
    edits: list[Edit] = []
    statement: list[str] = []  # the significant tokens of the logical line so far
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or (
            token.type == tokenize.OP and token.string == ";"
        ):
            statement = []
            index += 1
            continue
        if token.type == tokenize.NAME and token.string == OLD_ROOT and _starts_chain(statement):
            end = _chain_end(tokens, index)
            dotted = "".join(t.string for t in tokens[index:end])
            if _should_port(dotted, statement):
                new = _ported_module(dotted, statement, tokens, end)
                first, last = tokens[index], tokens[end - 1]
                if first.start[0] == last.end[0] and new != dotted:
                    edits.append(((first.start[0], first.start[1], last.end[1]), new))
            statement.extend(t.string for t in tokens[index:end])
            index = end
            continue
        if token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.NEWLINE):
            statement.append(token.string)
        index += 1
    return edits


def _starts_chain(statement: list[str]) -> bool:
    """``django`` begins a name here: it is not the attribute of something (``x.django``)."""
    return not statement or statement[-1] != "."


def _chain_end(tokens: list[tokenize.TokenInfo], index: int) -> int:
    """The index after ``NAME (. NAME)*`` starting at ``index``."""
    end = index + 1
    while (
        end + 1 < len(tokens)
        and tokens[end].type == tokenize.OP
        and tokens[end].string == "."
        and tokens[end + 1].type == tokenize.NAME
    ):
        end += 2
    return end


def _should_port(dotted: str, statement: list[str]) -> bool:
    """Dotted names are ported anywhere; the bare name ``django`` only as an imported module
    (``import django``, ``from django import forms``), never as a variable or keyword."""
    if "." in dotted:
        return not _is_imported_name(statement)
    if not statement:
        return False
    if statement[0] == "import":
        return statement[-1] in ("import", ",")
    return statement == ["from"]


def _is_imported_name(statement: list[str]) -> bool:
    """In ``from x import a``, ``a`` names something inside ``x``, not a module to port."""
    return bool(statement) and statement[0] == "from" and "import" in statement


def _ported_module(
    dotted: str, statement: list[str], tokens: list[tokenize.TokenInfo], end: int
) -> str:
    followed_by_import = end < len(tokens) and tokens[end].string == "import"
    if statement == ["from"] and dotted == "django.db" and followed_by_import:
        return NEW_ROOT  # from django.db import models -> from schemashift import models
    return port_name(dotted)


def _string_edits(tokens: list[tokenize.TokenInfo]) -> list[Edit]:
    """String literals holding nothing but a dotted path that starts with ``django.``."""
    edits: list[Edit] = []
    for token in tokens:
        if token.type != tokenize.STRING or token.start[0] != token.end[0]:
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            continue  # f-strings and the like
        if not isinstance(value, str) or not _DOTTED_PATH.fullmatch(value):
            continue
        quote_at = token.string.index(token.string[-1])
        body = token.string[quote_at:].strip(token.string[-1])
        if body != value:
            continue  # escapes in the literal: leave it as written
        new = token.string[:quote_at] + token.string[quote_at:].replace(value, port_name(value))
        edits.append(((token.start[0], token.start[1], token.end[1]), new))
    return edits


def missing_imports(source: str) -> list[tuple[int, str]]:
    """``(line, name)`` for each ``schemashift`` module or name the source imports that
    schemashift does not have (Django's admin, forms, views, ...): what porting left to do.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    missing: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            wanted = [alias.name for alias in node.names]
            missing += [(node.lineno, name) for name in wanted if not _is_provided(name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            module_exists = _is_provided(node.module)
            if not module_exists and any(alias.name == "*" for alias in node.names):
                missing.append((node.lineno, node.module))
            for alias in node.names:
                if alias.name == "*":
                    continue
                if not module_exists or not _has_name(node.module, alias.name):
                    missing.append((node.lineno, f"{node.module}.{alias.name}"))
    return sorted(missing)


def _is_provided(module: str) -> bool:
    """Whether ``module`` is importable; modules outside schemashift are not ours to judge."""
    if module != NEW_ROOT and not module.startswith(NEW_ROOT + "."):
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _has_name(module: str, name: str) -> bool:
    if module != NEW_ROOT and not module.startswith(NEW_ROOT + "."):
        return True
    return hasattr(importlib.import_module(module), name) or _is_provided(f"{module}.{name}")


__all__ = ["PortSyntaxError", "Ported", "missing_imports", "port_name", "port_source"]
