"""JSON text whose floats stay floats after a trip through PostgreSQL's ``jsonb``.

``jsonb`` keeps numbers as ``numeric``, which forgets exponents: ``1e+308`` comes back as
a 309-digit integer and reads as a Python ``int``. Writing such a float in positional
notation with a fractional digit (``1000...0.0``) keeps it a float when it is read back.
"""

from __future__ import annotations

import decimal
import json
import math
from typing import Any


def dumps(value: Any) -> str:
    """``json.dumps(value)``, with every finite float written with a decimal point."""
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(_key_text(key))}: {dumps(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps(item) for item in value) + "]"
    return json.dumps(value)


def _float_text(value: float) -> str:
    text = repr(value)
    if not math.isfinite(value) or "e" not in text:
        return json.dumps(value)
    text = format(decimal.Decimal(text), "f")
    return text if "." in text else f"{text}.0"


def _key_text(key: Any) -> str:
    """An object key as ``json.dumps`` writes it."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
