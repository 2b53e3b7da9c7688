"""Django-style models and migrations for any Python project.

``import schemashift`` stays cheap: settings, apps and the database layer are imported only when
``setup()`` or a command needs them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

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


#: the names ``from django.db import ...`` gives, which ported code imports from here:
#: name -> (module, attribute; None for the module itself). Database errors are SQLAlchemy's,
#: the ones queries raise.
_DJANGO_DB_NAMES = {
    "transaction": ("schemashift.db.transaction", None),
    "connection": ("schemashift.db.connections", "connection"),
    "connections": ("schemashift.db.connections", "connections"),
    "DEFAULT_DB_ALIAS": ("schemashift.db.connections", "DEFAULT_DB_ALIAS"),
    "Error": ("sqlalchemy.exc", "DBAPIError"),
    "DatabaseError": ("sqlalchemy.exc", "DatabaseError"),
    "IntegrityError": ("sqlalchemy.exc", "IntegrityError"),
    "DataError": ("sqlalchemy.exc", "DataError"),
    "OperationalError": ("sqlalchemy.exc", "OperationalError"),
    "ProgrammingError": ("sqlalchemy.exc", "ProgrammingError"),
    "InterfaceError": ("sqlalchemy.exc", "InterfaceError"),
    "InternalError": ("sqlalchemy.exc", "InternalError"),
    "NotSupportedError": ("sqlalchemy.exc", "NotSupportedError"),
}


def __getattr__(name: str) -> Any:
    """``from schemashift import transaction, IntegrityError``, imported when first asked."""
    import importlib

    try:
        module_name, attribute = _DJANGO_DB_NAMES[name]
    except KeyError:
        raise AttributeError(f"module 'schemashift' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)


__all__ = ["VERSION", "__version__", "setup"]
