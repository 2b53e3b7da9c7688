"""``schemashift startproject NAME [DIRECTORY]``: a project folder with manage.py and settings."""

from __future__ import annotations

import click

from schemashift.cli.scaffold import prepare_target, write_files

MANAGE_PY = '''\
#!/usr/bin/env python
"""Run schemashift commands for the $project_name project."""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("SCHEMASHIFT_SETTINGS", "$project_name.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from schemashift.cli.main import main as schemashift_main
    except ImportError as exc:
        raise ImportError(
            "Couldn't import schemashift. Is it installed and available on your PYTHONPATH? "
            "Did you forget to activate a virtual environment?"
        ) from exc
    schemashift_main()


if __name__ == "__main__":
    main()
'''

SETTINGS_PY = '''\
"""Settings of the $project_name project, read by schemashift."""

from pathlib import Path

# The project folder (where manage.py is); relative SQLite paths are relative to it.
BASE_DIR = Path(__file__).resolve().parent.parent

# The apps whose models schemashift manages. After `python manage.py startapp polls`,
# add "polls.apps.PollsConfig" here.
INSTALLED_APPS = []

# Database URLs by alias. The DATABASE_URL environment variable replaces "default", e.g.
# postgresql+psycopg://user:password@localhost/$project_name
DATABASES = {
    "default": "sqlite:///db.sqlite3",
}

# The primary key type of models that do not declare one.
DEFAULT_AUTO_FIELD = "schemashift.models.BigAutoField"
'''


@click.command()
@click.argument("name")
@click.argument("directory", required=False)
def command(name: str, directory: str | None) -> None:
    """Create the project NAME: NAME/manage.py and the NAME/NAME settings package.

    With DIRECTORY, write manage.py and the NAME package into DIRECTORY instead.
    """
    root = prepare_target(name, directory, "project")
    written = write_files(
        root,
        {
            "manage.py": MANAGE_PY,
            f"{name}/__init__.py": "",
            f"{name}/settings.py": SETTINGS_PY,
        },
        {"project_name": name},
    )
    manage_py = written[0]
    manage_py.chmod(manage_py.stat().st_mode | 0o111)
