"""The registry of installed apps and the models they define."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from schemashift.exceptions import AppNotFound, ImproperlyConfigured


class AppConfig:
    """One installed app: its import name, label, folder and models.

    Subclass it in ``<app>/apps.py`` and name the subclass in INSTALLED_APPS
    (``"polls.apps.PollsConfig"``), or list the plain package (``"polls"``).
    """

    name: str = ""
    label: str = ""
    verbose_name: str = ""
    default_auto_field: str | None = None

    def __init__(self, app_name: str, app_module: Any) -> None:
        self.name = app_name
        self.module = app_module
        if not type(self).label:
            self.label = app_name.rpartition(".")[2]
        if not type(self).verbose_name:
            self.verbose_name = self.label.title()
        self.path = Path(app_module.__file__).resolve().parent
        self.models: dict[str, type] = {}
        self.models_module: Any = None

    @property
    def migrations_module(self) -> str:
        return f"{self.name}.migrations"

    @property
    def migrations_path(self) -> Path:
        return self.path / "migrations"

    def get_models(self) -> list[type]:
        return list(self.models.values())

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.label}>"

    @classmethod
    def create(cls, entry: str) -> AppConfig:
        """Build the config for one INSTALLED_APPS entry (a package or an AppConfig path)."""
        try:
            module = importlib.import_module(entry)
        except ImportError as exc:
            config_class = _import_config_class(entry)
            if config_class is None:
                raise ImproperlyConfigured(
                    f"INSTALLED_APPS entry {entry!r} cannot be imported: {exc}"
                ) from None
            if not config_class.name:
                config_class.name = entry.rsplit(".", 2)[0]
            app_module = importlib.import_module(config_class.name)
            return config_class(config_class.name, app_module)
        return cls(entry, module)


def _import_config_class(entry: str) -> type[AppConfig] | None:
    module_name, _, class_name = entry.rpartition(".")
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    candidate = getattr(module, class_name, None)
    if isinstance(candidate, type) and issubclass(candidate, AppConfig):
        return candidate
    raise ImproperlyConfigured(f"INSTALLED_APPS entry {entry!r} is not an AppConfig subclass.")


class Apps:
    """Installed apps by label, filled once by populate()."""

    def __init__(self) -> None:
        self.app_configs: dict[str, AppConfig] = {}
        self.ready = False
        self._pending: dict[str, dict[str, type]] = {}

    def populate(self, installed_apps: list[str] | tuple[str, ...]) -> None:
        """Import every installed app and its models module, once."""
        if self.ready:
            return
        for entry in installed_apps:
            config = AppConfig.create(entry)
            if config.label in self.app_configs:
                raise ImproperlyConfigured(
                    f"Application labels aren't unique, duplicates: {config.label}"
                )
            self.app_configs[config.label] = config
            config.models.update(self._pending.pop(config.label, {}))
        for config in self.app_configs.values():
            models_name = f"{config.name}.models"
            if importlib.util.find_spec(models_name) is not None:
                config.models_module = importlib.import_module(models_name)
        self.ready = True

    def reset(self) -> None:
        """Forget every app; used when one process loads several projects (tests)."""
        self.app_configs.clear()
        self._pending.clear()
        self.ready = False

    def get_app_configs(self) -> list[AppConfig]:
        return list(self.app_configs.values())

    def get_app_config(self, label: str) -> AppConfig:
        try:
            return self.app_configs[label]
        except KeyError:
            raise AppNotFound(f"No installed app with label '{label}'.") from None

    def get_containing_app_config(self, module_name: str) -> AppConfig | None:
        """The installed app whose package contains the module, the longest match first."""
        best: AppConfig | None = None
        for config in self.app_configs.values():
            contains = module_name == config.name or module_name.startswith(config.name + ".")
            if contains and (best is None or len(config.name) > len(best.name)):
                best = config
        return best

    def register_model(self, app_label: str, model: type) -> None:
        name = model.__name__.lower()
        config = self.app_configs.get(app_label)
        target = config.models if config else self._pending.setdefault(app_label, {})
        if name in target and target[name] is not model:
            existing = target[name]
            if existing.__module__ != model.__module__:
                raise ImproperlyConfigured(
                    f"Conflicting '{name}' models in application '{app_label}': "
                    f"{existing.__module__}.{existing.__name__} and "
                    f"{model.__module__}.{model.__name__}."
                )
        target[name] = model

    def get_models(self) -> list[type]:
        return [m for config in self.app_configs.values() for m in config.get_models()]

    def get_model(self, app_label: str, model_name: str) -> type:
        config = self.get_app_config(app_label)
        try:
            return config.models[model_name.lower()]
        except KeyError:
            raise LookupError(f"App '{app_label}' doesn't have a '{model_name}' model.") from None


apps = Apps()
