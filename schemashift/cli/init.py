"""``schemashift init APP``: configure schemashift in ./pyproject.toml and create the app.

For a project without a settings module or manage.py: the ``[tool.schemashift]`` table goes
into ``pyproject.toml`` (a new minimal one if there is none) and ``APP/`` gets ``__init__.py``,
``models.py`` and an empty ``migrations`` package.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from schemashift import conf, pyproject
from schemashift.cli.scaffold import prepare_target, write_files
from schemashift.cli.startapp import MODELS_PY

DEFAULT_DATABASE = "sqlite:///db.sqlite3"

#: the extra to install for a database's driver, by URL scheme (before any ``+driver``)
_DRIVER_EXTRAS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}


@click.command()
@click.argument("app")
@click.option(
    "--database",
    "database_url",
    metavar="URL",
    default=DEFAULT_DATABASE,
    show_default=True,
    help="The default database, e.g. postgresql://user:password@localhost/polls.",
)
def command(app: str, database_url: str) -> None:
    """Configure schemashift in ./pyproject.toml with the new app APP installed, and create
    APP/ with models.py and migrations/."""
    cwd = Path.cwd()
    conf.normalize_database(database_url, cwd, source="--database")
    root = prepare_target(app, None, "app")
    path = cwd / pyproject.PYPROJECT
    table = pyproject.render_table([app], database_url)
    is_new = not path.exists()
    if is_new:
        text = pyproject.render_new_pyproject(_project_name(cwd), table, _dependency(database_url))
        content = text.encode("utf-8")
    else:
        content = pyproject.with_table(path, table)
    written = write_files(
        root, {"__init__.py": "", "models.py": MODELS_PY, "migrations/__init__.py": ""}, {}
    )
    path.write_bytes(content)
    shown_table = pyproject.render_table([app], conf.mask_password(database_url))
    action = "Created" if is_new else "Added to"
    click.echo(f"{action} {pyproject.PYPROJECT}:\n\n{shown_table}")
    click.echo("Created " + ", ".join(file.relative_to(cwd).as_posix() for file in written))
    click.echo(
        f"\nNext: write your models in {app}/models.py, then run "
        f"'schemashift makemigrations {app}' and 'schemashift migrate'."
    )


def _project_name(folder: Path) -> str:
    """The folder's name as a distribution name (letters, digits, ``-``, ``_`` and ``.``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-._") or "project"


def _dependency(database_url: str) -> str:
    """``schemashift``, with the extra that installs the database's driver if it needs one."""
    scheme = database_url.partition("://")[0].split("+")[0].lower()
    extra = _DRIVER_EXTRAS.get(scheme)
    return f"schemashift[{extra}]" if extra else "schemashift"
