"""Settings from the ``[tool.schemashift]`` table of ``pyproject.toml``.

A project without a settings module configures schemashift in its ``pyproject.toml``::

    [tool.schemashift]
    installed_apps = ["polls"]
    databases = { default = "sqlite:///db.sqlite3" }

``find_pyproject()`` looks for it from a folder upwards; ``read_settings()`` checks the table
and turns it into the values of a ``Settings`` (upper-case names), with the pyproject's folder
as ``BASE_DIR``. Every message names the key and the file at fault.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemashift import conf
from schemashift.exceptions import ImproperlyConfigured

PYPROJECT = "pyproject.toml"
TABLE = "[tool.schemashift]"


def find_pyproject(start: Path | None = None) -> Path | None:
    """The first ``pyproject.toml`` with a ``[tool.schemashift]`` table in ``start`` (default:
    the working directory) or a folder above it; None if there is none."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / PYPROJECT
        if path.is_file() and read_table(path) is not None:
            return path
    return None


def read_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.schemashift]`` table of the pyproject at ``path``, None if it has none."""
    text = path.read_bytes()
    if b"schemashift" not in text:
        return None  # not ours: not even parsed, so a broken unrelated file is no concern
    try:
        document = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ImproperlyConfigured(f"{shown_path(path)} is not UTF-8 text: {exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ImproperlyConfigured(f"{shown_path(path)} is not valid TOML: {exc}.") from None
    tool = document.get("tool")
    table = tool.get("schemashift") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ImproperlyConfigured(
            f"{shown_path(path)}: tool.schemashift must be a table ({TABLE}), not {table!r}."
        )
    return table


def read_settings(path: Path) -> dict[str, Any]:
    """The settings values of the ``[tool.schemashift]`` table of ``path``, checked.

    Keys map onto settings by upper-casing (``installed_apps`` -> ``INSTALLED_APPS``);
    ``database`` is short for ``databases.default``.
    """
    table = read_table(path)
    if table is None:
        raise ImproperlyConfigured(f"{shown_path(path)} has no {TABLE} table.")
    where = f"{shown_path(path)} {TABLE}"
    base_dir = path.resolve().parent
    values: dict[str, Any] = {"BASE_DIR": base_dir}
    for key, value in table.items():
        reader = _READERS.get(key)
        if reader is None:
            raise ImproperlyConfigured(_unknown_key(key, where))
        values[key.upper()] = reader(value, f"{where} {key}")
    values["DATABASES"] = _databases(
        values.get("DATABASES", {}), values.pop("DATABASE", None), base_dir, where
    )
    return values


def _databases(
    databases: dict[str, str], default: str | None, base_dir: Path, where: str
) -> dict[str, str]:
    """``databases``, plus ``database`` as its default, each URL checked and made absolute."""
    sources = {alias: f"{where} databases.{alias}" for alias in databases}
    if default is not None:
        if "default" in databases:
            raise ImproperlyConfigured(
                f"{where} gives the default database twice, as database and as "
                "databases.default: keep one of them."
            )
        databases = {**databases, "default": default}
        sources["default"] = f"{where} database"
    return {
        alias: conf.normalize_database(url, base_dir, alias, source=sources[alias])
        for alias, url in databases.items()
    }


def render_table(installed_apps: list[str], database_url: str) -> str:
    """The text of a ``[tool.schemashift]`` table with these apps and default database."""
    apps = ", ".join(_toml_string(app) for app in installed_apps)
    return (
        f"{TABLE}\n"
        f"installed_apps = [{apps}]\n"
        f"databases = {{ default = {_toml_string(database_url)} }}\n"
    )


def render_new_pyproject(project_name: str, table: str, dependency: str) -> str:
    """A minimal ``pyproject.toml``: a ``[project]`` table, then ``table``."""
    return (
        "[project]\n"
        f"name = {_toml_string(project_name)}\n"
        'version = "0.1.0"\n'
        f"dependencies = [{_toml_string(dependency)}]\n"
        f"\n{table}"
    )


def with_table(path: Path, table: str) -> bytes:
    """The pyproject at ``path`` with ``table`` appended, its own text kept byte for byte.

    Refused when the file is not valid TOML, already has a ``[tool.schemashift]`` table, or
    would not be valid TOML with the table added.
    """
    if read_table(path) is not None:
        raise ImproperlyConfigured(
            f"{shown_path(path)} already has a {TABLE} table: add the app to its "
            "installed_apps instead."
        )
    text = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in text else b"\n"
    if text and not text.endswith(b"\n"):
        text += newline
    if text.strip():
        text += newline
    text += table.replace("\n", newline.decode()).encode("utf-8")
    try:
        tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImproperlyConfigured(
            f"{shown_path(path)} cannot take a {TABLE} table as it is written ({exc}): "
            f"add the table by hand:\n{table}"
        ) from None
    return text


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def shown_path(path: Path) -> str:
    """``path`` as the user sees it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _unknown_key(key: str, where: str) -> str:
    import difflib

    matches = difflib.get_close_matches(key.lower(), _READERS, n=1)
    hint = f" Did you mean '{matches[0]}'?" if matches else ""
    known = ", ".join(sorted(_READERS))
    return f"{where} has an unknown key '{key}'.{hint} The keys are: {known}."


def _app_names(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ImproperlyConfigured(
            f'{name} must be a list of app names such as ["polls"], not {value!r}.'
        )
    return value


def _url(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ImproperlyConfigured(
            f'{name} must be a database URL such as "sqlite:///db.sqlite3", not {value!r}.'
        )
    return value


def _urls_by_alias(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ImproperlyConfigured(
            f"{name} must be a table of database URLs by alias such as "
            f'{{ default = "sqlite:///db.sqlite3" }}, not {value!r}.'
        )
    return {alias: _url(url, f"{name}.{alias}") for alias, url in value.items()}


def _seconds(value: Any, name: str) -> float:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or value < 0:
        raise ImproperlyConfigured(
            f"{name} must be a number of seconds (0 or more), not {value!r}."
        )
    return float(value)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number (0 or more), not {value!r}.")
    return value


#: key -> the function checking its value, given the key's name for messages
_READERS: dict[str, Callable[[Any, str], Any]] = {
    "auth_user_model": lambda value, name: conf.model_label(name, value),
    "database": _url,
    "databases": _urls_by_alias,
    "default_auto_field": conf.normalize_auto_field,
    "installed_apps": _app_names,
    "lint_rows": _count,
    "migration_ddl_lock_retries": _count,
    "migration_ddl_lock_timeout": _seconds,
    "migration_lock_timeout": _seconds,
    "migrations_table": conf.migrations_table,
    "time_zone": conf.time_zone,
}


__all__ = [
    "PYPROJECT",
    "TABLE",
    "find_pyproject",
    "read_settings",
    "read_table",
    "render_new_pyproject",
    "render_table",
    "shown_path",
    "with_table",
]
