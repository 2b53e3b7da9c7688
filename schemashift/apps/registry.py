"""The registry of installed apps and the models they define."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemashift.apps.imports import (
    AppImportError,
    describe_error,
    import_user_module,
    module_exists,
)
from schemashift.exceptions import AppNotFound, ImproperlyConfigured, SchemashiftError


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
        if not self.label.isidentifier():
            raise ImproperlyConfigured(
                f"The app label '{self.label}' of '{app_name}' is not a valid Python identifier: "
                f"set {type(self).__qualname__}.label."
            )
        if not type(self).verbose_name:
            self.verbose_name = self.label.title()
        self.path = _app_path(app_name, app_module)
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

    def ready(self) -> None:
        """Called once every installed app's models are imported: connect signal receivers
        here (``post_migrate.connect(...)``), as in Django."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.label}>"

    @classmethod
    def create(cls, entry: Any) -> AppConfig:
        """Build the config for one INSTALLED_APPS entry (a package or an AppConfig path)."""
        _check_entry(entry)
        if module_exists(entry):
            found = _default_config_class(entry)
            if found is None:
                return cls(entry, import_user_module(entry))
            if not found.name:
                found.name = entry
            return found(found.name, import_user_module(found.name))
        module_name, _, class_name = entry.rpartition(".")
        if not module_name or not module_exists(module_name):
            raise ImproperlyConfigured(
                f"INSTALLED_APPS entry '{entry}' cannot be imported: no module named "
                f"'{_missing_part(entry)}'. Check the spelling, and that the app's folder is in "
                "the project folder (where manage.py is)."
            )
        config_class = _config_class(entry, import_user_module(module_name), class_name)
        if not config_class.name:
            config_class.name = module_name.rpartition(".")[0] or module_name
        if not module_exists(config_class.name):
            raise ImproperlyConfigured(
                f"INSTALLED_APPS entry '{entry}': cannot import '{config_class.name}'. Check "
                f"that {config_class.__qualname__}.name in {module_name} is correct."
            )
        return config_class(config_class.name, import_user_module(config_class.name))


def _app_path(app_name: str, module: Any) -> Path:
    """The app's folder; a package needs an ``__init__.py`` to say where it is."""
    filename = getattr(module, "__file__", None)
    if filename:
        return Path(filename).resolve().parent
    locations = list(getattr(module, "__path__", []))
    if len(locations) == 1:
        return Path(locations[0]).resolve()
    raise ImproperlyConfigured(
        f"The app '{app_name}' has no single folder (it has no __init__.py): add an empty "
        f"{app_name.replace('.', '/')}/__init__.py."
    )


def _check_entry(entry: Any) -> None:
    """An INSTALLED_APPS entry is a dotted path of Python identifiers."""
    if isinstance(entry, str) and entry and all(part.isidentifier() for part in entry.split(".")):
        return
    raise ImproperlyConfigured(
        f"INSTALLED_APPS entry {entry!r} is not a module path: write an app package such as "
        "'polls' or its AppConfig such as 'polls.apps.PollsConfig'."
    )


def _missing_part(entry: str) -> str:
    """The shortest prefix of the dotted path that cannot be imported."""
    parts = entry.split(".")
    for length in range(1, len(parts) + 1):
        prefix = ".".join(parts[:length])
        if not module_exists(prefix):
            return prefix
    return entry


def _default_config_class(package: str) -> type[AppConfig] | None:
    """For an app listed by its package, the AppConfig its ``apps.py`` declares, as Django
    picks it: the one subclass there (``default = False`` ones aside), or the one of several
    marked ``default = True``; None when there is none (the plain AppConfig serves)."""
    apps_module = f"{package}.apps"
    if not module_exists(apps_module):
        return None
    module = import_user_module(apps_module)
    candidates = [
        (name, value)
        for name, value in sorted(vars(module).items())
        if isinstance(value, type)
        and issubclass(value, AppConfig)
        and value is not AppConfig
        and getattr(value, "default", True)
    ]
    if len(candidates) == 1:
        return candidates[0][1]
    marked = [(name, value) for name, value in candidates if getattr(value, "default", False)]
    if len(marked) > 1:
        raise ImproperlyConfigured(
            f"'{apps_module}' declares more than one default AppConfig: "
            f"{', '.join(repr(name) for name, _ in marked)}."
        )
    return marked[0][1] if marked else None


def _config_class(entry: str, module: Any, class_name: str) -> type[AppConfig]:
    candidate = getattr(module, class_name, None)
    if candidate is None:
        choices = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, AppConfig) and value is not AppConfig
        )
        hint = f" Choices are: {', '.join(map(repr, choices))}." if choices else ""
        raise ImproperlyConfigured(
            f"INSTALLED_APPS entry '{entry}': module '{module.__name__}' does not contain a "
            f"'{class_name}' class.{hint}"
        )
    if not (isinstance(candidate, type) and issubclass(candidate, AppConfig)):
        raise ImproperlyConfigured(f"INSTALLED_APPS entry '{entry}' is not an AppConfig subclass.")
    return candidate


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
                    f"Application labels aren't unique, duplicates: {config.label} (INSTALLED_APPS "
                    f"entries '{self.app_configs[config.label].name}' and '{entry}'). List each "
                    "app once, or give one AppConfig a different label."
                )
            self.app_configs[config.label] = config
            config.models.update(self._pending.pop(config.label, {}))
        for config in self.app_configs.values():
            models_name = f"{config.name}.models"
            if module_exists(models_name):
                config.models_module = import_user_module(models_name)
        self.ready = True
        for config in self.app_configs.values():
            try:
                config.ready()
            except SchemashiftError:
                raise
            except Exception as exc:
                raise AppImportError(
                    f"{type(config).__qualname__}.ready() of app '{config.label}' failed: "
                    f"{describe_error(exc)}"
                ) from exc

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
