"""Which AppConfig an INSTALLED_APPS entry gets, as Django picks it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemashift.apps.registry import AppConfig, Apps
from schemashift.exceptions import ImproperlyConfigured


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def app(root: Path, name: str, apps_py: str | None) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    if apps_py is not None:
        (root / name / "apps.py").write_text("from schemashift.apps import AppConfig\n" + apps_py)


def test_a_package_entry_gets_the_one_config_its_apps_module_declares(packages: Path) -> None:
    app(
        packages,
        "shop",
        "class ShopConfig(AppConfig):\n"
        "    name = 'shop'\n"
        "    label = 'store'\n"
        "    verbose_name = 'The store'\n"
        "    def ready(self):\n"
        "        self.readied = True\n",
    )
    registry = Apps()
    registry.populate(["shop"])
    (config,) = registry.get_app_configs()
    assert type(config).__name__ == "ShopConfig"
    assert (config.label, config.verbose_name, config.readied) == ("store", "The store", True)


def test_default_marks_the_config_among_several(packages: Path) -> None:
    app(
        packages,
        "shop",
        "class Plain(AppConfig):\n    name = 'shop'\n\n"
        "class Main(AppConfig):\n    name = 'shop'\n    default = True\n",
    )
    app(packages, "cart", "class Off(AppConfig):\n    name = 'cart'\n    default = False\n")
    app(packages, "till", None)
    registry = Apps()
    registry.populate(["shop", "cart", "till"])
    assert [type(c).__name__ for c in registry.get_app_configs()] == [
        "Main",
        "AppConfig",
        "AppConfig",
    ]


def test_two_defaults_are_refused(packages: Path) -> None:
    app(
        packages,
        "shop",
        "class One(AppConfig):\n    name = 'shop'\n    default = True\n\n"
        "class Two(AppConfig):\n    name = 'shop'\n    default = True\n",
    )
    with pytest.raises(ImproperlyConfigured, match="more than one default AppConfig: 'One', 'Two'"):
        AppConfig.create("shop")
