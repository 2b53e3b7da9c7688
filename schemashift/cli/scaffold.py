"""Writing new project and app folders: name checks and file creation for the start commands."""

from __future__ import annotations

import importlib.util
import keyword
from pathlib import Path
from string import Template

from schemashift.exceptions import SchemashiftError


class ScaffoldError(SchemashiftError):
    """A project or app cannot be created with the given name or in the given folder."""


def prepare_target(name: str, directory: str | None, kind: str) -> Path:
    """Check a new project or app name and return the folder to write into.

    The folder is ``directory`` if given, else ``./name``, which must not exist or be empty.
    """
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ScaffoldError(
            f"'{name}' is not a valid {kind} name: use a valid Python identifier "
            "(letters, digits and underscores, not starting with a digit)."
        )
    root = _target_folder(name, directory, kind)
    if _is_importable(name):
        raise ScaffoldError(
            f"'{name}' conflicts with the name of an existing Python module and cannot be used "
            f"as {_article(kind)} {kind} name. Please try another name."
        )
    return root


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _is_importable(name: str) -> bool:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    # An ordinary folder on sys.path is a namespace package; only real modules shadow.
    return spec is not None and spec.origin not in (None, "namespace")


def _target_folder(name: str, directory: str | None, kind: str) -> Path:
    if directory is not None:
        root = Path(directory)
        if root.exists() and not root.is_dir():
            raise ScaffoldError(f"'{directory}' exists and is not a folder.")
        return root
    root = Path.cwd() / name
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ScaffoldError(
            f"'{root}' already exists and is not empty; choose another {kind} name or remove it."
        )
    return root


def write_files(root: Path, files: dict[str, str], context: dict[str, str]) -> list[Path]:
    """Render each template with ``context`` and write it under ``root``, refusing overwrites."""
    rendered = {root / path: Template(text).substitute(context) for path, text in files.items()}
    existing = sorted(str(path) for path in rendered if path.exists())
    if existing:
        raise ScaffoldError(f"Refusing to overwrite existing files: {', '.join(existing)}")
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(rendered)
