"""Text and bytes conversions with the names of ``django.utils.encoding``."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from schemashift.utils.functional import Promise

# values that force_str(strings_only=True) leaves as they are
_PROTECTED_TYPES = (
    type(None),
    int,
    float,
    decimal.Decimal,
    datetime.datetime,
    datetime.date,
    datetime.time,
)


def force_str(
    value: Any, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"
) -> Any:
    """``value`` as ``str``; bytes are decoded with ``encoding``, lazy strings computed.

    With ``strings_only``, None, numbers, dates and times are returned unchanged.
    """
    if isinstance(value, str):
        return value
    if strings_only and isinstance(value, _PROTECTED_TYPES):
        return value
    if isinstance(value, bytes):
        return value.decode(encoding, errors)
    return str(value)


def smart_str(
    value: Any, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"
) -> Any:
    """As ``force_str``, but a lazy string stays lazy."""
    if isinstance(value, Promise):
        return value
    return force_str(value, encoding, strings_only, errors)


def force_bytes(
    value: Any, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"
) -> Any:
    """``value`` as ``bytes``, encoding text with ``encoding``."""
    if isinstance(value, bytes):
        return value if encoding == "utf-8" else value.decode("utf-8", errors).encode(encoding)
    if isinstance(value, memoryview):
        return bytes(value)
    if strings_only and isinstance(value, _PROTECTED_TYPES):
        return value
    return str(value).encode(encoding, errors)


def smart_bytes(
    value: Any, encoding: str = "utf-8", strings_only: bool = False, errors: str = "strict"
) -> Any:
    """As ``force_bytes``, but a lazy string stays lazy."""
    if isinstance(value, Promise):
        return value
    return force_bytes(value, encoding, strings_only, errors)


__all__ = ["force_bytes", "force_str", "smart_bytes", "smart_str"]
