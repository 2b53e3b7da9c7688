"""Fixtures for defining model classes: a clean app registry and an installed app."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import schemashift


@pytest.fixture
def install_app(
    tmp_path: Path, make_settings: Callable[..., str]
) -> Iterator[Callable[..., ModuleType]]:
    """A factory creating the package ``<label>`` under tmp_path and installing it.

    ``models`` is the source of its models.py; ``apps_py`` (optional) the source of its apps.py,
    whose AppConfig subclass ``config`` is then the INSTALLED_APPS entry. Returns the imported
    models module.
    """
    packages: list[str] = []

    def install(
        label: str = "library",
        models: str = "",
        apps_py: str | None = None,
        config: str = "LibraryConfig",
        settings: str = "",
    ) -> ModuleType:
        folder = tmp_path / label
        folder.mkdir()
        (folder / "__init__.py").touch()
        (folder / "models.py").write_text(textwrap.dedent(models))
        entry = label
        if apps_py is not None:
            (folder / "apps.py").write_text(textwrap.dedent(apps_py))
            entry = f"{label}.apps.{config}"
        packages.append(label)
        module = make_settings(f"INSTALLED_APPS = [{entry!r}]\n" + textwrap.dedent(settings))
        schemashift.setup(module)
        return sys.modules[f"{label}.models"]

    yield install
    for name in list(sys.modules):
        if name.partition(".")[0] in packages:
            del sys.modules[name]
