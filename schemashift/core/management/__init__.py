"""``django.core.management``'s names that model, migration and ``manage.py`` code imports.

A ported ``manage.py`` keeps working: it sets ``DJANGO_SETTINGS_MODULE`` and calls
``execute_from_command_line(sys.argv)``, which runs the schemashift command line with that
settings module (``SCHEMASHIFT_SETTINGS`` and ``--settings`` win when given).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from schemashift.conf import SETTINGS_ENV

#: the variable Django's manage.py sets, read when SCHEMASHIFT_SETTINGS is not set
DJANGO_SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"


def execute_from_command_line(argv: Sequence[str] | None = None) -> None:
    """Run the command in ``argv`` (``sys.argv`` by default: program name, then arguments)."""
    from schemashift.cli.main import main

    argv = list(sys.argv if argv is None else argv)
    if not os.environ.get(SETTINGS_ENV) and os.environ.get(DJANGO_SETTINGS_ENV):
        os.environ[SETTINGS_ENV] = os.environ[DJANGO_SETTINGS_ENV]
    program = os.path.basename(argv[0]) if argv else "manage.py"
    try:
        main.main(args=argv[1:], prog_name=program)
    except SystemExit as exit:
        if exit.code not in (0, None):
            raise


__all__ = ["execute_from_command_line"]
