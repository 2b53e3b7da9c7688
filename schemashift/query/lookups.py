"""Field lookups (``__exact``, ``__contains``, ...) and transforms (``__year``, ``__date``, ...).

Each lookup turns a column expression and a value into a SQLAlchemy condition; the value
always travels as a bound parameter. Case-sensitive text lookups stay case-sensitive on
every backend, as in Django: each backend says how (``Backend.case_sensitive_match``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from schemashift.db.backends.registry import backend_for, like_escape
from schemashift.exceptions import FieldError
from schemashift.query.columns import DateType

_DATETIME_KINDS = ("DateTimeField",)


def _pattern_lookup(prefix: bool, suffix: bool) -> Callable[..., Any]:
    def build(vendor: str, lhs: Any, value: Any) -> Any:
        return backend_for(vendor).case_sensitive_match(lhs, str(value), prefix, suffix)

    return build


def _ipattern_lookup(prefix: bool, suffix: bool) -> Callable[..., Any]:
    def build(vendor: str, lhs: Any, value: Any) -> Any:
        pattern = f"{'%' if prefix else ''}{like_escape(str(value))}{'%' if suffix else ''}"
        return lhs.ilike(sa.bindparam(None, pattern, type_=sa.String()), escape="\\")

    return build


def _exact(vendor: str, lhs: Any, value: Any) -> Any:
    return lhs.is_(None) if value is None else lhs == value


def _iexact(vendor: str, lhs: Any, value: Any) -> Any:
    if value is None:
        return lhs.is_(None)
    return _ipattern_lookup(False, False)(vendor, lhs, value)


def _in(vendor: str, lhs: Any, value: Any) -> Any:
    if isinstance(value, sa.Select):
        return lhs.in_(value)
    values = [item for item in value if item is not None]
    return lhs.in_(values)


def _range(vendor: str, lhs: Any, value: Any) -> Any:
    low, high = value
    return lhs.between(low, high)


def _isnull(vendor: str, lhs: Any, value: Any) -> Any:
    return lhs.is_(None) if value else lhs.is_not(None)


LOOKUPS: dict[str, Callable[[str, Any, Any], Any]] = {
    "exact": _exact,
    "iexact": _iexact,
    "contains": _pattern_lookup(True, True),
    "icontains": _ipattern_lookup(True, True),
    "startswith": _pattern_lookup(False, True),
    "istartswith": _ipattern_lookup(False, True),
    "endswith": _pattern_lookup(True, False),
    "iendswith": _ipattern_lookup(True, False),
    "gt": lambda vendor, lhs, value: lhs > value,
    "gte": lambda vendor, lhs, value: lhs >= value,
    "lt": lambda vendor, lhs, value: lhs < value,
    "lte": lambda vendor, lhs, value: lhs <= value,
    "in": _in,
    "range": _range,
    "isnull": _isnull,
}

_TEXT_LOOKUPS = frozenset(
    ("contains", "icontains", "startswith", "istartswith", "endswith", "iendswith")
)

TRANSFORMS = ("year", "month", "day", "hour", "minute", "second", "date")


def apply_transform(vendor: str, name: str, lhs: Any, kind: str) -> Any:
    """The expression of ``lhs__<name>`` for a date or datetime column of field type ``kind``."""
    if kind not in ("DateField", "DateTimeField", "TimeField"):
        raise FieldError(f"Unsupported lookup '{name}' for {kind}.")
    backend = backend_for(vendor)
    source = backend.datetime_in_utc(lhs) if kind in _DATETIME_KINDS else lhs
    if name == "date":
        return backend.date_of(source, DateType())
    return sa.type_coerce(sa.extract(name, source), sa.Integer)


def build_lookup(vendor: str, name: str, lhs: Any, value: Any, field_label: str) -> Any:
    """The condition ``lhs__<name>=value`` (FieldError naming the field for an unknown name)."""
    try:
        lookup = LOOKUPS[name]
    except KeyError:
        raise FieldError(
            f"Unsupported lookup '{name}' for {field_label} or join on the field not permitted."
        ) from None
    if value is None and name not in ("exact", "iexact", "isnull"):
        raise ValueError(f"Cannot use None as a query value for the '{name}' lookup.")
    if name in _TEXT_LOOKUPS and value == "":
        return lhs.is_not(None)
    return lookup(vendor, lhs, value)
