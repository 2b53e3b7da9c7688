"""``schemashift startapp NAME [DIRECTORY]``: an app folder with apps.py, models.py, migrations."""

from __future__ import annotations

import click

from schemashift.cli.scaffold import prepare_target, write_files

APPS_PY = """\
from schemashift.apps import AppConfig


class ${camel_case_name}Config(AppConfig):
    default_auto_field = "schemashift.models.BigAutoField"
    name = "$app_name"
"""

MODELS_PY = """\
from schemashift import models

# Create your models here.
"""


@click.command()
@click.argument("name")
@click.argument("directory", required=False)
def command(name: str, directory: str | None) -> None:
    """Create the app NAME in ./NAME (or in DIRECTORY); then add it to INSTALLED_APPS."""
    root = prepare_target(name, directory, "app")
    write_files(
        root,
        {
            "__init__.py": "",
            "apps.py": APPS_PY,
            "models.py": MODELS_PY,
            "migrations/__init__.py": "",
        },
        {"app_name": name, "camel_case_name": name.title().replace("_", "")},
    )
