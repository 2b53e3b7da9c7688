"""The settings' values as text, and its digest, for caches that depend on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def settings_digest(settings: Any) -> str:
    """A digest of the settings' plain values: migration files may read any of them (the
    user model of a swappable dependency), so a changed setting is a changed project."""
    import hashlib

    return hashlib.blake2b(settings_text(settings).encode(), digest_size=16).hexdigest()


def settings_text(settings: Any) -> str:
    """The settings' upper-case names and plain values, one a line, sorted by name; a value
    that is not plain data (an object) counts by its type."""
    return "".join(
        f"{name}={_plain_repr(getattr(settings, name))}\n"
        for name in sorted(vars(settings))
        if name.isupper()
    )


def _plain_repr(value: Any) -> str:
    if value is None or isinstance(value, (str, int, float, bool, Path)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_plain_repr(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted((repr(key), _plain_repr(item)) for key, item in value.items())
        return "{" + ",".join(f"{key}:{item}" for key, item in items) + "}"
    return f"<{type(value).__module__}.{type(value).__qualname__}>"
