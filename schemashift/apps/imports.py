"""Importing the project's own modules (apps, models), with errors that name file and line.

A syntax error in ``polls/models.py`` or an exception raised while it is imported is the
user's to fix; the message says where: ``polls/models.py, line 7: SyntaxError: ...``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sysconfig
import traceback
from pathlib import Path
from types import ModuleType

from schemashift.exceptions import ImproperlyConfigured, SchemashiftError


class AppImportError(ImproperlyConfigured):
    """An installed app's module (``apps.py``, ``models.py``, ...) fails to import."""


def import_user_module(dotted: str) -> ModuleType:
    """Import one of the project's modules; its errors become AppImportError naming the line.

    Errors schemashift raises on purpose while the module runs (a model defined wrongly, say)
    already name what is at fault and pass through unchanged.
    """
    try:
        return importlib.import_module(dotted)
    except SchemashiftError:
        raise
    except Exception as exc:
        raise AppImportError(f"Cannot import '{dotted}': {describe_error(exc)}") from exc


def module_exists(dotted: str) -> bool:
    """Whether ``dotted`` names an importable module (its parent packages are imported).

    A parent package that fails to import is reported as AppImportError, not as "missing".
    """
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError as exc:
        if exc.name and (dotted == exc.name or dotted.startswith(exc.name + ".")):
            return False
        raise AppImportError(f"Cannot import '{dotted}': {describe_error(exc)}") from exc
    except SchemashiftError:
        raise
    except Exception as exc:
        raise AppImportError(f"Cannot import '{dotted}': {describe_error(exc)}") from exc


def describe_error(exc: BaseException) -> str:
    """``polls/models.py, line 7: NameError: name 'x' is not defined``."""
    where = _location(exc)
    text = f"{type(exc).__name__}: {_reason(exc)}"
    return f"{where}: {text}" if where else text


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return exc.msg or str(exc)
    return str(exc)


def _location(exc: BaseException) -> str | None:
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return f"{display_path(exc.filename)}, line {exc.lineno}"
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if _is_project_file(frame.filename)
    ]
    if not frames:
        return None
    frame = frames[-1]
    return f"{display_path(frame.filename)}, line {frame.lineno}"


def _library_dirs() -> set[str]:
    paths = sysconfig.get_paths()
    dirs = {paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.add(str(Path(__file__).resolve().parent.parent))  # schemashift itself
    return {os.path.realpath(d) for d in dirs if d}


def _is_project_file(filename: str) -> bool:
    if filename.startswith("<"):
        return False
    real = os.path.realpath(filename)
    return not any(real == d or real.startswith(d + os.sep) for d in _library_dirs())


def display_path(filename: str) -> str:
    """The path relative to the working directory when it is inside it."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


__all__ = [
    "AppImportError",
    "describe_error",
    "display_path",
    "import_user_module",
    "module_exists",
]
