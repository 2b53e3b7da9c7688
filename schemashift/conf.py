"""Settings: the project's settings module or pyproject table, read once and normalised.

A settings module is a plain Python module (``mysite/settings.py``) whose upper-case names are
the settings. A project without one configures schemashift in the ``[tool.schemashift]`` table
of its ``pyproject.toml`` (``schemashift.pyproject``). ``load_settings()`` reads whichever the
project has and returns a ``Settings`` object; ``configure()`` makes that object the one
``schemashift.conf.settings`` reads from.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

from schemashift.apps.imports import describe_error
from schemashift.exceptions import ImproperlyConfigured

SETTINGS_ENV = "SCHEMASHIFT_SETTINGS"
DATABASE_URL_ENV = "DATABASE_URL"

DEFAULT_AUTO_FIELD = "schemashift.models.BigAutoField"
DEFAULT_MIGRATIONS_TABLE = "schemashift_migrations"
#: the user model, as Django's default: the ``User`` model of the ``auth`` app
DEFAULT_AUTH_USER_MODEL = "auth.User"
#: seconds a ``migrate`` waits for another one on the same database before giving up
DEFAULT_MIGRATION_LOCK_TIMEOUT = 600.0
#: seconds a DDL statement waits for a table lock before it gives up and is retried: queued
#: behind it, the application's reads and writes of the table wait at most this long
DEFAULT_MIGRATION_DDL_LOCK_TIMEOUT = 0.1
#: how many more times work that timed out waiting for a lock is tried
DEFAULT_MIGRATION_DDL_LOCK_RETRIES = 10
# PostgreSQL's 63-character names, less the "_progress" of the progress table
_MAX_MIGRATIONS_TABLE = 63 - len("_progress")

# Django spellings of the auto fields map onto ours by class name.
_FOREIGN_FIELD_MODULES = ("django.db.models.", "django.db.models.fields.")

# Django ENGINE values (or their last component) -> SQLAlchemy URL scheme.
_ENGINE_SCHEMES = {
    "sqlite3": "sqlite",
    "sqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgresql_psycopg2": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
}


#: URL schemes (before any ``+driver``) of the databases schemashift can use
_URL_SCHEMES = frozenset({"sqlite", "postgresql", "postgres", "mysql", "mariadb"})


class Settings:
    """The settings of one project.

    Every upper-case name of the settings module is an attribute. The ones schemashift reads
    are normalised: ``DATABASES`` maps each alias to a URL string, with relative SQLite paths
    made absolute against ``BASE_DIR``; ``DEFAULT_AUTO_FIELD`` is a schemashift dotted path.
    """

    INSTALLED_APPS: list[str]
    DATABASES: dict[str, str]
    DEFAULT_AUTO_FIELD: str
    AUTH_USER_MODEL: str
    MIGRATIONS_TABLE: str
    MIGRATION_LOCK_TIMEOUT: float | None
    MIGRATION_DDL_LOCK_TIMEOUT: float | None
    MIGRATION_DDL_LOCK_RETRIES: int
    TIME_ZONE: str | None
    BASE_DIR: Path
    SETTINGS_MODULE: str | None
    #: the pyproject.toml whose [tool.schemashift] table the settings come from, if any
    PYPROJECT: Path | None

    def __init__(self, settings_module: str | None = None, **values: Any) -> None:
        base_dir = Path(values.pop("BASE_DIR", None) or Path.cwd()).resolve()
        for name, value in values.items():
            if name.isupper():
                setattr(self, name, value)
        self.SETTINGS_MODULE = settings_module
        self.PYPROJECT = None
        self.BASE_DIR = base_dir
        self.INSTALLED_APPS = _installed_apps(values.get("INSTALLED_APPS", []))
        self.DATABASES = _databases(values.get("DATABASES", {}), base_dir)
        self.DEFAULT_AUTO_FIELD = normalize_auto_field(
            values.get("DEFAULT_AUTO_FIELD", DEFAULT_AUTO_FIELD)
        )
        self.AUTH_USER_MODEL = model_label(
            "AUTH_USER_MODEL", values.get("AUTH_USER_MODEL", DEFAULT_AUTH_USER_MODEL)
        )
        self.MIGRATIONS_TABLE = migrations_table(
            values.get("MIGRATIONS_TABLE", DEFAULT_MIGRATIONS_TABLE)
        )
        self.MIGRATION_LOCK_TIMEOUT = lock_timeout(
            values.get("MIGRATION_LOCK_TIMEOUT", DEFAULT_MIGRATION_LOCK_TIMEOUT)
        )
        self.MIGRATION_DDL_LOCK_TIMEOUT = lock_timeout(
            values.get("MIGRATION_DDL_LOCK_TIMEOUT", DEFAULT_MIGRATION_DDL_LOCK_TIMEOUT),
            "MIGRATION_DDL_LOCK_TIMEOUT",
        )
        self.MIGRATION_DDL_LOCK_RETRIES = lock_retries(
            values.get("MIGRATION_DDL_LOCK_RETRIES", DEFAULT_MIGRATION_DDL_LOCK_RETRIES)
        )
        if "TIME_ZONE" in values:
            self.TIME_ZONE = time_zone(values["TIME_ZONE"])

    @classmethod
    def from_module(cls, module: ModuleType) -> Settings:
        """Build settings from a module's upper-case names; BASE_DIR defaults to its project."""
        values = {name: getattr(module, name) for name in dir(module) if name.isupper()}
        values.setdefault("BASE_DIR", project_dir(module))
        try:
            return cls(module.__name__, **values)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(f"{exc} Fix it in {_module_file(module)}.") from None

    @classmethod
    def from_pyproject(cls, path: Path) -> Settings:
        """Build settings from the [tool.schemashift] table of ``path``; BASE_DIR is its
        folder."""
        from schemashift import pyproject  # it builds on this module's checks

        values = pyproject.read_settings(path)
        try:
            settings = cls(None, **values)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(
                f"{exc} Fix it in {pyproject.shown_path(path)} {pyproject.TABLE}."
            ) from None
        settings.PYPROJECT = path.resolve()
        return settings

    def database_url(self, alias: str = "default") -> str:
        """The URL of the database ``alias``, or ImproperlyConfigured naming what to set."""
        try:
            return self.DATABASES[alias]
        except KeyError:
            hint = " or set DATABASE_URL" if alias == "default" else ""
            raise ImproperlyConfigured(
                f"No database '{alias}': add it to {self._databases_source()}{hint}."
            ) from None

    def override_default_database(self, url: str) -> None:
        """Replace DATABASES['default'] (what the DATABASE_URL variable does)."""
        self.DATABASES["default"] = normalize_database(
            url, self.BASE_DIR, "default", source=f"The {DATABASE_URL_ENV} environment variable"
        )

    def _databases_source(self) -> str:
        if self.SETTINGS_MODULE:
            return f"DATABASES in settings module '{self.SETTINGS_MODULE}'"
        if self.PYPROJECT:
            return f"databases in {self.PYPROJECT} [tool.schemashift]"
        return "DATABASES in settings"

    def __repr__(self) -> str:
        source = self.SETTINGS_MODULE or self.PYPROJECT or "(configured in code)"
        return f"<Settings {source}>"


def lock_timeout(value: Any, name: str = "MIGRATION_LOCK_TIMEOUT") -> float | None:
    """A lock timeout setting as seconds; None waits for as long as it takes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ImproperlyConfigured(
            f"{name} must be a number of seconds (0 or more) or None, not {value!r}."
        )
    return float(value)


def time_zone(value: Any, name: str = "TIME_ZONE") -> str | None:
    """TIME_ZONE: an IANA time zone name such as ``"Europe/Paris"``, or None for UTC."""
    if value is None:
        return None
    import zoneinfo  # only for projects that set a time zone: start-up stays small

    try:
        zoneinfo.ZoneInfo(value)
    except (TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as 'UTC' or 'Europe/Paris', not {value!r}."
        ) from None
    return value


def lock_retries(value: Any) -> int:
    """MIGRATION_DDL_LOCK_RETRIES: a whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ImproperlyConfigured(
            f"MIGRATION_DDL_LOCK_RETRIES must be a whole number (0 or more), not {value!r}."
        )
    return value


def load_settings(module_name: str | None = None) -> Settings:
    """Read the project's settings and return them.

    The settings module is ``module_name``, else the SCHEMASHIFT_SETTINGS environment variable;
    without either, the ``[tool.schemashift]`` table of the first ``pyproject.toml`` that has
    one, in the working directory or a folder above it (whose folder then goes on
    ``sys.path``, so that its apps import). The DATABASE_URL environment variable, when set,
    replaces ``DATABASES["default"]``.
    """
    module_name = module_name or os.environ.get(SETTINGS_ENV)
    if module_name:
        settings = Settings.from_module(_import_settings_module(module_name))
    else:
        settings = _load_pyproject_settings()
    database_url = os.environ.get(DATABASE_URL_ENV)
    if database_url:
        settings.override_default_database(database_url)
    return settings


def _load_pyproject_settings() -> Settings:
    from schemashift import pyproject  # it builds on this module's checks

    path = pyproject.find_pyproject()
    if path is None:
        raise ImproperlyConfigured(
            f"No settings module: pass --settings or set {SETTINGS_ENV} "
            "(run manage.py from the project folder to have it set for you), or configure "
            f"schemashift in pyproject.toml (no {pyproject.PYPROJECT} with a "
            f"{pyproject.TABLE} table in {Path.cwd()} or above it): "
            "'schemashift init APP' writes one."
        )
    settings = Settings.from_pyproject(path)
    _make_importable(settings.BASE_DIR)
    return settings


def _make_importable(folder: Path) -> None:
    """Put ``folder`` on sys.path (after the script's own folder, as ``python -m`` would)."""
    entry = str(folder)
    if entry not in sys.path:
        sys.path.insert(1 if sys.path else 0, entry)


def _import_settings_module(module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise ImproperlyConfigured(
                f"Settings module '{module_name}' not found: run the command from the project "
                f"folder (where manage.py is) or put that folder on PYTHONPATH."
            ) from None
        raise ImproperlyConfigured(
            f"Settings module '{module_name}' cannot be imported: {exc}"
        ) from None
    except SyntaxError as exc:
        where = f"{exc.filename}, line {exc.lineno}" if exc.filename else "unknown file"
        raise ImproperlyConfigured(
            f"Settings module '{module_name}' has a syntax error ({where}): {exc.msg}"
        ) from None
    except Exception as exc:
        raise ImproperlyConfigured(
            f"Settings module '{module_name}' cannot be imported: {describe_error(exc)}"
        ) from None


def _module_file(module: ModuleType) -> str:
    """The settings file as the user sees it: relative to the working directory if inside."""
    filename = getattr(module, "__file__", None)
    if not filename:
        return f"settings module '{module.__name__}'"
    try:
        return str(Path(filename).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return filename


def project_dir(module: ModuleType) -> Path:
    """The folder the settings module is imported from (where manage.py lives).

    ``mysite/mysite/settings.py`` imported as ``mysite.settings`` gives ``mysite/``.
    """
    filename = getattr(module, "__file__", None)
    if not filename:
        return Path.cwd()
    folder = Path(filename).resolve().parent
    levels = module.__name__.count(".") + (1 if hasattr(module, "__path__") else 0)
    for _ in range(levels):
        folder = folder.parent
    return folder


def normalize_auto_field(path: Any, name: str = "DEFAULT_AUTO_FIELD") -> str:
    """Map Django's spellings (``django.db.models.BigAutoField``) onto schemashift's."""
    if not isinstance(path, str) or not path:
        raise ImproperlyConfigured(
            f"{name} must be a dotted path such as '{DEFAULT_AUTO_FIELD}', not {path!r}."
        )
    for prefix in _FOREIGN_FIELD_MODULES:
        if path.startswith(prefix) and "." not in path[len(prefix) :]:
            return "schemashift.models." + path[len(prefix) :]
    if "." not in path:
        return "schemashift.models." + path
    return path


def model_label(setting: str, value: Any) -> str:
    """A setting naming a model as ``"app_label.ModelName"`` (AUTH_USER_MODEL, say)."""
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) != 2 or not all(part.isidentifier() for part in parts):
        raise ImproperlyConfigured(
            f"{setting} must be of the form 'app_label.ModelName' such as 'accounts.User', "
            f"not {value!r}."
        )
    return value


#: Django's web-only apps, as the porting rule spells them: schemashift has no web layer
_WEB_ONLY_APPS = {
    "admin": "the admin site",
    "messages": "the messages framework",
    "staticfiles": "static files handling",
}


def _refuse_web_only_app(entry: str) -> None:
    prefix = "schemashift.contrib."
    if not entry.startswith(prefix):
        return
    name = entry[len(prefix) :].partition(".")[0]
    if name in _WEB_ONLY_APPS:
        raise ImproperlyConfigured(
            f"INSTALLED_APPS entry {entry!r} is Django's {_WEB_ONLY_APPS[name]} "
            f"(django.contrib.{name}), a web-only app schemashift does not provide: remove it "
            "from INSTALLED_APPS."
        )


def _installed_apps(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise ImproperlyConfigured(
            "INSTALLED_APPS must be a list of strings such as 'polls.apps.PollsConfig', "
            f"not {type(value).__name__} {value!r}."
        )
    for entry in value:
        if not isinstance(entry, str):
            raise ImproperlyConfigured(
                f"INSTALLED_APPS entry {entry!r} is not a string: write the app's package "
                "such as 'polls' or its AppConfig such as 'polls.apps.PollsConfig'."
            )
        _refuse_web_only_app(entry)
    return list(value)


def migrations_table(value: Any, name: str = "MIGRATIONS_TABLE") -> str:
    """MIGRATIONS_TABLE: a table name, without surrounding spaces."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ImproperlyConfigured(
            f"{name} must be a table name such as '{DEFAULT_MIGRATIONS_TABLE}', not {value!r}."
        )
    if len(value) > _MAX_MIGRATIONS_TABLE:
        raise ImproperlyConfigured(
            f"{name} {value!r} is too long: at most {_MAX_MIGRATIONS_TABLE} "
            "characters, so that it and its progress table fit PostgreSQL's 63."
        )
    return value


def _databases(value: Any, base_dir: Path) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ImproperlyConfigured(
            'DATABASES must be a dict such as {"default": "sqlite:///db.sqlite3"}.'
        )
    return {alias: normalize_database(spec, base_dir, alias) for alias, spec in value.items()}


def normalize_database(
    spec: Any, base_dir: Path, alias: str = "default", source: str | None = None
) -> str:
    """One DATABASES entry (a URL, or a Django-style dict) as a URL with absolute SQLite path.

    ``source`` names where the URL came from in messages (default ``DATABASES['alias']``).
    """
    source = source or f"DATABASES['{alias}']"
    if isinstance(spec, dict):
        spec = _url_from_django_dict(spec, alias)
    if not isinstance(spec, str) or "://" not in spec:
        shown = repr(mask_password(spec) if isinstance(spec, str) else spec)
        raise ImproperlyConfigured(
            f"{source} must be a URL such as 'sqlite:///db.sqlite3' or "
            f"'postgresql+psycopg://user:password@host/name', not {shown} (database "
            f"'{alias}')."
        )
    _check_url(spec, alias, source)
    return resolve_sqlite_path(spec, base_dir)


def _check_url(url: str, alias: str, source: str) -> None:
    """Refuse what no database driver could read: an unknown scheme, a bad host or port."""
    shown = mask_password(url)
    scheme = url.partition("://")[0]
    if scheme.split("+")[0].lower() not in _URL_SCHEMES:
        known = ", ".join(f"{name}://" for name in sorted(_URL_SCHEMES))
        raise ImproperlyConfigured(
            f"{source} ('{shown}', database '{alias}') has an unknown scheme '{scheme}': "
            f"use one of {known}."
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- reading it checks it
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{source} ('{shown}', database '{alias}') cannot be read: {exc}. Write it as "
            "'postgresql://user:password@host:5432/name' (percent-encode special characters "
            "in the password)."
        ) from None


def mask_password(url: str) -> str:
    """The URL with the password, if any, shown as ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    credentials, at, host = netloc.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def resolve_sqlite_path(url: str, base_dir: Path) -> str:
    """Make a relative SQLite file path absolute against ``base_dir``; other URLs unchanged."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
        return url
    path, sep, query = rest[1:].partition("?")
    if not path or path == ":memory:" or path.startswith("file:") or os.path.isabs(path):
        return url
    return f"{scheme}:///{(base_dir / path).as_posix()}{sep}{query}"


def _url_from_django_dict(spec: dict[str, Any], alias: str) -> str:
    if "URL" in spec:
        return spec["URL"]
    engine = str(spec.get("ENGINE", "")).rpartition(".")[2]
    scheme = _ENGINE_SCHEMES.get(engine)
    if scheme is None:
        raise ImproperlyConfigured(
            f"DATABASES['{alias}'] has an unknown ENGINE {spec.get('ENGINE')!r}; "
            "write the database as a URL instead."
        )
    name = str(spec.get("NAME", ""))
    if scheme == "sqlite":
        return f"sqlite:///{Path(name).as_posix()}" if name else "sqlite://"
    user = quote(str(spec.get("USER", "")), safe="")
    password = quote(str(spec.get("PASSWORD", "")), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{spec['PORT']}" if spec.get("PORT") else ""
    return f"{scheme}://{credentials}{spec.get('HOST') or 'localhost'}{port}/{name}"


class _LazySettings:
    """The configured Settings, or ImproperlyConfigured when read before configure()."""

    _wrapped: Settings | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(get_settings(), name)

    @property
    def configured(self) -> bool:
        return self._wrapped is not None

    def __repr__(self) -> str:
        return repr(self._wrapped) if self._wrapped else "<Settings (not configured)>"


settings = _LazySettings()


def configure(settings_obj: Settings | None = None, **values: Any) -> Settings:
    """Make ``settings_obj`` (or ``Settings(**values)``) the project's settings."""
    if settings_obj is None:
        settings_obj = Settings(**values)
    elif values:
        raise TypeError("configure() takes a Settings object or setting values, not both.")
    settings._wrapped = settings_obj
    return settings_obj


def is_configured() -> bool:
    """Whether configure() (or schemashift.setup()) has run."""
    return settings.configured


def reset() -> None:
    """Forget the configured settings; for tests that load several projects in one process."""
    settings._wrapped = None


class SettingsReference(str):
    """A setting's value that migration files write as ``settings.NAME`` (Django's name)."""

    setting_name: str

    def __new__(cls, value: str, setting_name: str) -> SettingsReference:
        self = str.__new__(cls, value)
        self.setting_name = setting_name
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return SettingsReference, (str(self), self.setting_name)


#: settings naming a model that a project may swap for its own (Meta.swappable adds more)
_swappable_settings: list[str] = ["AUTH_USER_MODEL"]


def register_swappable_setting(name: str) -> None:
    """Count ``name`` (a model's ``Meta.swappable``) among the settings naming a model."""
    if name not in _swappable_settings:
        _swappable_settings.append(name)


def swappable_setting_for(label: str) -> str | None:
    """The setting whose value is the model ``label`` (``"accounts.user"``), if any.

    Relations to that model are written into migrations as ``settings.NAME``. Without
    configured settings there is none.
    """
    if settings._wrapped is None or not isinstance(label, str):
        return None
    for name in _swappable_settings:
        value = getattr(settings._wrapped, name, None)
        if isinstance(value, str) and value.lower() == label.lower():
            return name
    return None


def get_settings() -> Settings:
    """The configured Settings object itself (ImproperlyConfigured if there is none)."""
    if settings._wrapped is None:
        raise ImproperlyConfigured(
            "Settings are not configured: call schemashift.setup(), pass --settings, set "
            f"{SETTINGS_ENV} or add a [tool.schemashift] table to pyproject.toml."
        )
    return settings._wrapped


__all__ = [
    "DATABASE_URL_ENV",
    "SETTINGS_ENV",
    "Settings",
    "SettingsReference",
    "configure",
    "get_settings",
    "is_configured",
    "load_settings",
    "mask_password",
    "normalize_auto_field",
    "project_dir",
    "register_swappable_setting",
    "reset",
    "resolve_sqlite_path",
    "settings",
    "swappable_setting_for",
    "time_zone",
]
