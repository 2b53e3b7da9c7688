"""The one switch for schemashift's caches: ``SCHEMASHIFT_MIGRATION_CACHE=0`` turns them off.

Its own module, so that a command checking it imports nothing else.
"""

from __future__ import annotations

import os

ENV_SWITCH = "SCHEMASHIFT_MIGRATION_CACHE"


def is_enabled() -> bool:
    """Whether caches are read and written (``SCHEMASHIFT_MIGRATION_CACHE=0`` turns them off)."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")
