"""Django-style models and migrations for any Python project.

``import schemashift`` stays cheap: settings, apps and the database layer are imported only when
``setup()`` or a command needs them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemashift.conf import Settings

__version__ = "0.1.0"
#: the version as Django spells it: (major, minor, micro, release level, serial)
VERSION = (*(int(part) for part in __version__.split(".")), "final", 0)


def setup(settings_module: str | None = None) -> Settings:
    """Load the settings, import the installed apps and their models, and let the models
    query the database (``schemashift.query``; SQLAlchemy loads on the first query).

    ``settings_module`` is a dotted module name; without it, the SCHEMASHIFT_SETTINGS
    environment variable names the module. Returns the configured settings. After it, a script
    can import its models and query the database::

        import schemashift

        schemashift.setup()
        from polls.models import Question
    """
    from schemashift import conf, query
    from schemashift.apps import apps

    settings = conf.configure(conf.load_settings(settings_module))
    query.install()
    apps.populate(settings.INSTALLED_APPS)
    _forget_connections()
    return settings


def _forget_connections() -> None:
    """Drop connections opened with earlier settings (not importing SQLAlchemy to do so)."""
    connections_module = sys.modules.get("schemashift.db.connections")
    if connections_module is not None:
        connections_module.connections.reset()


__all__ = ["VERSION", "__version__", "setup"]
