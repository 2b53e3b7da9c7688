"""Database functions for ``annotate()``, ``update()``, ``filter()`` and ``order_by()``, as
``django.db.models.functions``: ``from schemashift.models.functions import Lower``.

Each is a small ``Func`` subclass; strings given to them name fields, constants go in
``Value(...)``.
"""

from schemashift.models.functions.comparison import Cast, Coalesce, Greatest, Least
from schemashift.models.functions.datetime import (
    Extract,
    ExtractDay,
    ExtractHour,
    ExtractMinute,
    ExtractMonth,
    ExtractSecond,
    ExtractYear,
    Now,
    Trunc,
    TruncDate,
    TruncDay,
    TruncHour,
    TruncMinute,
    TruncMonth,
    TruncSecond,
    TruncYear,
)
from schemashift.models.functions.math import Abs, Round
from schemashift.models.functions.text import (
    Concat,
    Length,
    Lower,
    LTrim,
    Replace,
    RTrim,
    Substr,
    Trim,
    Upper,
)

__all__ = [
    "Abs",
    "Cast",
    "Coalesce",
    "Concat",
    "Extract",
    "ExtractDay",
    "ExtractHour",
    "ExtractMinute",
    "ExtractMonth",
    "ExtractSecond",
    "ExtractYear",
    "Greatest",
    "LTrim",
    "Least",
    "Length",
    "Lower",
    "Now",
    "RTrim",
    "Replace",
    "Round",
    "Substr",
    "Trim",
    "Trunc",
    "TruncDate",
    "TruncDay",
    "TruncHour",
    "TruncMinute",
    "TruncMonth",
    "TruncSecond",
    "TruncYear",
    "Upper",
]
