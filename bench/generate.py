"""Generate a large migration history, as a schemashift project and as an equivalent Django one.

    python bench/generate.py OUTDIR [--apps 10] [--migrations-per-app 100] [--seed 1]

writes ``OUTDIR/schemashift`` and ``OUTDIR/django``: each a project with ``manage.py``, a
``benchsite`` settings package and the apps ``app00``, ``app01``, ... Every app has
``--migrations-per-app`` migration files and a ``models.py`` matching where they lead, so that
``makemigrations --check`` has nothing to do. The two flavours hold the same operations; only
the import lines differ (and Django's auto fields carry ``serialize=False``, which ours lack).

The history is a seeded random walk over a mix of CreateModel, AddField, AlterField,
RenameField, RemoveField and AddIndex, with foreign keys within and across apps. It is written
directly, so no command ever has to ask a question. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAVOURS = ("schemashift", "django")
SETTINGS_PACKAGE = "benchsite"

#: the operation kinds of a migration after the first, in the proportions of a shuffled deck:
#: every run of len(DECK) migrations of one app holds each kind at least once
DECK = (
    ["CreateModel"] * 2
    + ["AddField"] * 5
    + ["AlterField"] * 3
    + ["RenameField"]
    + ["RemoveField"] * 2
    + ["AddIndex"] * 2
)


# -- the state the history walks through -------------------------------------------------


@dataclass
class FieldSpec:
    """One field: its class name in ``models`` and its keyword arguments."""

    kind: str
    kwargs: dict[str, Any]

    @property
    def is_relation(self) -> bool:
        return self.kind == "ForeignKey"


@dataclass
class ModelSpec:
    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    indexes: list[tuple[str, list[str]]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    #: fields an index or relation depends on: never renamed, altered or removed
    pinned: set[str] = field(default_factory=set)
    next_field: int = 1

    def new_field_name(self) -> str:
        name = f"f{self.next_field}"
        self.next_field += 1
        return name

    def free_fields(self) -> list[str]:
        return [name for name in self.fields if name not in self.pinned]


@dataclass
class AppSpec:
    label: str
    models: dict[str, ModelSpec] = field(default_factory=dict)
    migrations: list[Migration] = field(default_factory=list)
    next_model: int = 0
    next_index: int = 0
    deck: list[str] = field(default_factory=list)

    @property
    def latest(self) -> str | None:
        return self.migrations[-1].name if self.migrations else None

    def draw(self, rng: random.Random) -> str:
        if not self.deck:
            self.deck = list(DECK)
            rng.shuffle(self.deck)
        return self.deck.pop()


@dataclass
class Operation:
    """One migration operation: its class name and arguments, as values or ``FieldSpec``."""

    kind: str
    kwargs: dict[str, Any]


@dataclass
class Migration:
    name: str
    dependencies: list[tuple[str, str]]
    operations: list[Operation]
    initial: bool = False


# -- the random walk ---------------------------------------------------------------------


class HistoryBuilder:
    """Walks the apps round-robin, one migration each per round, so that a migration can
    depend on any migration written before it and the dependency graph has no cycle."""

    def __init__(self, apps: int, migrations_per_app: int, seed: int):
        self.rng = random.Random(seed)
        self.apps = [AppSpec(f"app{i:02d}") for i in range(apps)]
        self.migrations_per_app = migrations_per_app

    def build(self) -> list[AppSpec]:
        for number in range(1, self.migrations_per_app + 1):
            for app in self.apps:
                self._add_migration(app, number)
        return self.apps

    def _add_migration(self, app: AppSpec, number: int) -> None:
        dependencies: set[tuple[str, str]] = set()
        if number == 1:
            operations = [
                self._create_model(app, dependencies, cross_app=True),
                self._create_model(app, dependencies, cross_app=False),
            ]
            name = "0001_initial"
        else:
            count = 2 if self.rng.random() < 0.3 else 1
            operations = [self._operation(app, app.draw(self.rng), dependencies)]
            if count == 2:
                operations.append(self._operation(app, "AddField", dependencies))
            name = f"{number:04d}_{_name_fragment(operations[0])}"
        if app.latest:
            dependencies.add((app.label, app.latest))
        app.migrations.append(Migration(name, sorted(dependencies), operations, number == 1))

    def _operation(self, app: AppSpec, kind: str, dependencies: set[tuple[str, str]]) -> Operation:
        model = self.rng.choice(list(app.models.values()))
        if kind in ("AlterField", "RenameField", "RemoveField") and not _removable(model, kind):
            kind = "AddField"
        if kind == "CreateModel":
            return self._create_model(app, dependencies, cross_app=self.rng.random() < 0.4)
        if kind == "AddField":
            return self._add_field(app, model, dependencies)
        if kind == "AlterField":
            return self._alter_field(model)
        if kind == "RenameField":
            return self._rename_field(model)
        if kind == "RemoveField":
            return self._remove_field(model)
        return self._add_index(app, model)

    def _create_model(
        self, app: AppSpec, dependencies: set[tuple[str, str]], cross_app: bool
    ) -> Operation:
        model = ModelSpec(f"Model{app.next_model}")
        app.next_model += 1
        id_field = FieldSpec(
            "BigAutoField", {"auto_created": True, "primary_key": True, "verbose_name": "ID"}
        )
        fields = {"id": id_field}
        for _ in range(self.rng.randint(2, 5)):
            fields[model.new_field_name()] = self._scalar_field(nullable=False)
        target = self._relation_target(app, cross_app)
        if target is not None:
            fields[model.new_field_name()] = self._foreign_key(app, target, dependencies)
        model.fields = dict(fields)
        model.pinned = {"id"} | {name for name, spec in fields.items() if spec.is_relation}
        if self.rng.random() < 0.3:
            model.options = {"ordering": ["-id"]}
        app.models[model.name] = model
        kwargs: dict[str, Any] = {"name": model.name, "fields": list(fields.items())}
        if model.options:
            kwargs["options"] = dict(model.options)
        return Operation("CreateModel", kwargs)

    def _add_field(
        self, app: AppSpec, model: ModelSpec, dependencies: set[tuple[str, str]]
    ) -> Operation:
        name = model.new_field_name()
        target = self._relation_target(app, self.rng.random() < 0.5)
        if target is not None and self.rng.random() < 0.15:
            spec = self._foreign_key(app, target, dependencies, null=True)
            model.pinned.add(name)
        else:
            spec = self._scalar_field(nullable=True)
            if self.rng.random() < 0.15:
                spec.kwargs["db_index"] = True
        model.fields[name] = spec
        return Operation(
            "AddField", {"model_name": model.name.lower(), "name": name, "field": spec}
        )

    def _alter_field(self, model: ModelSpec) -> Operation:
        name = self.rng.choice(model.free_fields())
        old = model.fields[name]
        kwargs = dict(old.kwargs)
        if old.kind == "CharField" and self.rng.random() < 0.6:
            kwargs["max_length"] = kwargs["max_length"] + self.rng.choice([20, 50, 100])
        elif "default" in kwargs and self.rng.random() < 0.5:
            kwargs["default"] = _other_default(kwargs["default"])
        elif not kwargs.get("null") and old.kind not in ("BooleanField",):
            kwargs["null"] = True
        else:
            kwargs["db_index"] = not kwargs.get("db_index", False)
            if not kwargs["db_index"]:
                del kwargs["db_index"]
        spec = FieldSpec(old.kind, kwargs)
        model.fields[name] = spec
        return Operation(
            "AlterField", {"model_name": model.name.lower(), "name": name, "field": spec}
        )

    def _rename_field(self, model: ModelSpec) -> Operation:
        old_name = self.rng.choice(model.free_fields())
        new_name = model.new_field_name()
        model.fields = {
            (new_name if name == old_name else name): spec for name, spec in model.fields.items()
        }
        return Operation(
            "RenameField",
            {"model_name": model.name.lower(), "old_name": old_name, "new_name": new_name},
        )

    def _remove_field(self, model: ModelSpec) -> Operation:
        name = self.rng.choice(model.free_fields())
        del model.fields[name]
        return Operation("RemoveField", {"model_name": model.name.lower(), "name": name})

    def _add_index(self, app: AppSpec, model: ModelSpec) -> Operation:
        candidates = [n for n in model.fields if n != "id"]
        columns = self.rng.sample(candidates, k=min(len(candidates), self.rng.choice([1, 1, 2])))
        if self.rng.random() < 0.3:
            columns[0] = f"-{columns[0]}"
        index_name = f"{app.label}_ix{app.next_index}"
        app.next_index += 1
        model.indexes.append((index_name, columns))
        model.pinned.update(column.lstrip("-") for column in columns)
        return Operation(
            "AddIndex", {"model_name": model.name.lower(), "index": (index_name, columns)}
        )

    def _scalar_field(self, nullable: bool) -> FieldSpec:
        """A field that existing rows can take: nullable or with a default when ``nullable``."""
        choice = self.rng.randrange(10)
        if choice < 3:
            kwargs: dict[str, Any] = {"max_length": self.rng.choice([32, 64, 100, 200])}
            if nullable:
                options = [{"null": True}, {"default": ""}, {"blank": True, "default": ""}]
                kwargs.update(self.rng.choice(options))
            return FieldSpec("CharField", kwargs)
        if choice == 3:
            return FieldSpec("TextField", {"blank": True, "default": ""})
        if choice == 4:
            return FieldSpec("IntegerField", {"default": 0})
        if choice == 5:
            return FieldSpec("BooleanField", {"default": False})
        if choice == 6:
            return FieldSpec("DateTimeField", {"null": True})
        if choice == 7:
            return FieldSpec("DecimalField", {"max_digits": 10, "decimal_places": 2, "null": True})
        if choice == 8:
            return FieldSpec("BigIntegerField", {"default": 0})
        return FieldSpec("DateField", {"null": True})

    def _relation_target(self, app: AppSpec, cross_app: bool) -> tuple[AppSpec, str] | None:
        """A model to point a foreign key at: in another app that has one, else in ``app``."""
        others = [other for other in self.apps if other is not app and other.models]
        if cross_app and others:
            target_app = self.rng.choice(others)
        elif app.models:
            target_app = app
        else:
            return None
        return target_app, self.rng.choice(sorted(target_app.models))

    def _foreign_key(
        self,
        app: AppSpec,
        target: tuple[AppSpec, str],
        dependencies: set[tuple[str, str]],
        null: bool = False,
    ) -> FieldSpec:
        target_app, model_name = target
        if target_app is not app:
            dependencies.add((target_app.label, target_app.latest))
        kwargs: dict[str, Any] = {
            "on_delete": self.rng.choice(["CASCADE", "CASCADE", "PROTECT"]),
            "related_name": "+",
            "to": f"{target_app.label}.{model_name.lower()}",
        }
        if null:
            kwargs["null"] = True
        return FieldSpec("ForeignKey", kwargs)


def _removable(model: ModelSpec, kind: str) -> bool:
    minimum = 2 if kind == "RemoveField" else 1  # keep a column besides the primary key
    return len(model.free_fields()) >= minimum


def _other_default(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return "n/a" if value == "" else ""


def _name_fragment(operation: Operation) -> str:
    kwargs = operation.kwargs
    if operation.kind == "CreateModel":
        return kwargs["name"].lower()
    if operation.kind == "AddField":
        return f"{kwargs['model_name']}_{kwargs['name']}"
    if operation.kind == "AlterField":
        return f"alter_{kwargs['model_name']}_{kwargs['name']}"
    if operation.kind == "RenameField":
        return f"rename_{kwargs['old_name']}_{kwargs['model_name']}_{kwargs['new_name']}"
    if operation.kind == "RemoveField":
        return f"remove_{kwargs['model_name']}_{kwargs['name']}"
    return f"{kwargs['model_name']}_{kwargs['index'][0]}"


# -- writing the files -------------------------------------------------------------------


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _field_source(spec: FieldSpec, flavour: str, in_migration: bool) -> str:
    kwargs = dict(spec.kwargs)
    args = []
    if spec.is_relation and not in_migration:
        app_label, _, model_name = kwargs.pop("to").partition(".")
        args.append(json.dumps(f"{app_label}.{model_name.capitalize()}"))
    if flavour == "django" and spec.kind == "BigAutoField":
        kwargs["serialize"] = False
    parts = args + [
        f"{key}=models.{value}" if key == "on_delete" else f"{key}={_literal(value)}"
        for key, value in sorted(kwargs.items())
    ]
    return f"models.{spec.kind}({', '.join(parts)})"


def _index_source(name: str, columns: list[str]) -> str:
    return f"models.Index(fields={_literal(columns)}, name={_literal(name)})"


def _operation_lines(operation: Operation, flavour: str) -> Iterator[str]:
    yield f"        migrations.{operation.kind}("
    for key, value in operation.kwargs.items():
        if key == "fields":
            yield "            fields=["
            for name, spec in value:
                yield f"                ({_literal(name)}, {_field_source(spec, flavour, True)}),"
            yield "            ],"
        elif key == "field":
            yield f"            field={_field_source(value, flavour, True)},"
        elif key == "index":
            yield f"            index={_index_source(*value)},"
        else:
            yield f"            {key}={_literal(value)},"
    yield "        ),"


def migration_source(migration: Migration, flavour: str) -> str:
    """The text of one migration file in ``flavour``'s syntax."""
    package = "django.db" if flavour == "django" else "schemashift"
    lines = [
        f"from {package} import migrations, models",
        "",
        "",
        "class Migration(migrations.Migration):",
    ]
    if migration.initial:
        lines += ["    initial = True", ""]
    lines.append("    dependencies = [")
    lines += [
        f"        ({_literal(app)}, {_literal(name)})," for app, name in migration.dependencies
    ]
    lines += ["    ]", "", "    operations = ["]
    for operation in migration.operations:
        lines.extend(_operation_lines(operation, flavour))
    lines += ["    ]", ""]
    return "\n".join(lines)


def models_source(app: AppSpec, flavour: str) -> str:
    """The ``models.py`` that the app's migrations lead to."""
    package = "django.db" if flavour == "django" else "schemashift"
    lines = [f"from {package} import models"]
    for model in app.models.values():
        lines += ["", "", f"class {model.name}(models.Model):"]
        for name, spec in model.fields.items():
            if name != "id":
                lines.append(f"    {name} = {_field_source(spec, flavour, False)}")
        if model.indexes or model.options:
            lines += ["", "    class Meta:"]
            for key, value in model.options.items():
                lines.append(f"        {key} = {_literal(value)}")
            if model.indexes:
                indexes = ", ".join(_index_source(name, columns) for name, columns in model.indexes)
                lines.append(f"        indexes = [{indexes}]")
    lines.append("")
    return "\n".join(lines)


MANAGE_PY = {
    "django": f'''\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{SETTINGS_PACKAGE}.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
''',
    "schemashift": f'''\
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("SCHEMASHIFT_SETTINGS", "{SETTINGS_PACKAGE}.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from schemashift.cli.main import main

    main()
''',
}

#: the variable that points either project at another database (schemashift reads it natively)
DATABASE_URL_ENV = "DATABASE_URL"

SETTINGS_PY = {
    "django": """\
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-secret"
USE_TZ = True
INSTALLED_APPS = {installed_apps}
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# {database_url_env}, when set, replaces the SQLite default, as it does for schemashift. It takes
# the same SQLAlchemy URLs: postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME,
# mysql+pymysql://USER:PASSWORD@HOST:PORT/NAME?charset=utf8mb4 or sqlite:///PATH; query
# parameters become the connection's OPTIONS.
ENGINES = {{
    "sqlite": "django.db.backends.sqlite3",
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "mariadb": "django.db.backends.mysql",
}}


def database_from_url(url):
    parts = urlsplit(url)
    dialect = parts.scheme.partition("+")[0]
    if dialect not in ENGINES:
        raise ValueError(f"{database_url_env}: unsupported database in {{url!r}}")
    if dialect == "sqlite":
        return {{"ENGINE": ENGINES[dialect], "NAME": unquote(parts.path[1:])}}
    database = {{
        "ENGINE": ENGINES[dialect],
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }}
    options = dict(parse_qsl(parts.query))
    if options:
        database["OPTIONS"] = options
    if ENGINES[dialect] == "django.db.backends.mysql":
        try:
            import MySQLdb  # noqa: F401  (mysqlclient, the driver Django's backend is made for)
        except ImportError:
            # PyMySQL stands in for it; it reports a mysqlclient version Django accepts.
            import pymysql

            pymysql.install_as_MySQLdb()
    return database


if os.environ.get("{database_url_env}"):
    DATABASES["default"] = database_from_url(os.environ["{database_url_env}"])
""",
    "schemashift": """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTALLED_APPS = {installed_apps}
DATABASES = {{
    "default": "sqlite:///db.sqlite3",
}}
DEFAULT_AUTO_FIELD = "schemashift.models.BigAutoField"
""",
}

APPS_PY = """\
from {package} import AppConfig


class {class_name}(AppConfig):
    name = "{label}"
"""


def app_config_name(label: str) -> str:
    return f"{label.capitalize()}Config"


def write_project(root: Path, apps: list[AppSpec], flavour: str) -> None:
    """Write one flavour's project into ``root``, which must not exist yet."""
    installed = [f"{app.label}.apps.{app_config_name(app.label)}" for app in apps]
    (root / SETTINGS_PACKAGE).mkdir(parents=True)
    (root / "manage.py").write_text(MANAGE_PY[flavour])
    (root / SETTINGS_PACKAGE / "__init__.py").write_text("")
    settings = SETTINGS_PY[flavour].format(
        installed_apps=json.dumps(installed, indent=4), database_url_env=DATABASE_URL_ENV
    )
    (root / SETTINGS_PACKAGE / "settings.py").write_text(settings)
    package = "django.apps" if flavour == "django" else "schemashift.apps"
    for app in apps:
        folder = root / app.label
        (folder / "migrations").mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / "apps.py").write_text(
            APPS_PY.format(package=package, class_name=app_config_name(app.label), label=app.label)
        )
        (folder / "models.py").write_text(models_source(app, flavour))
        (folder / "migrations" / "__init__.py").write_text("")
        for migration in app.migrations:
            path = folder / "migrations" / f"{migration.name}.py"
            path.write_text(migration_source(migration, flavour))


def generate(out: Path, apps: int, migrations_per_app: int, seed: int = 1) -> dict[str, Path]:
    """Write both flavours under ``out`` (replacing earlier ones); return flavour -> folder."""
    history = HistoryBuilder(apps, migrations_per_app, seed).build()
    folders = {}
    for flavour in FLAVOURS:
        root = out / flavour
        if root.exists():
            shutil.rmtree(root)
        write_project(root, history, flavour)
        folders[flavour] = root
    return folders


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--apps", type=int, default=10, help="number of apps (default 10)")
    parser.add_argument(
        "--migrations-per-app",
        type=int,
        default=100,
        help="migrations in each app (default 100)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the two projects into")
    add_size_arguments(parser)
    args = parser.parse_args(argv)
    if args.apps < 1 or args.migrations_per_app < 1:
        parser.error("--apps and --migrations-per-app must be at least 1")
    for flavour, folder in generate(
        args.out, args.apps, args.migrations_per_app, args.seed
    ).items():
        print(f"{flavour}: {folder}")


if __name__ == "__main__":
    main()
