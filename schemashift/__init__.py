"""Django-style models and migrations for any Python project.

``import schemashift`` stays cheap: settings, apps and the database layer are imported only when
``setup()`` or a command needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemashift.conf import Settings

__version__ = "0.1.0"


def setup(settings_module: str | None = None) -> Settings:
    """Load the settings and import the installed apps and their models.

    ``settings_module`` is a dotted module name; without it, the SCHEMASHIFT_SETTINGS
    environment variable names the module. Returns the configured settings.
    """
    from schemashift import conf
    from schemashift.apps import apps

    settings = conf.configure(conf.load_settings(settings_module))
    apps.populate(settings.INSTALLED_APPS)
    return settings


__all__ = ["__version__", "setup"]
