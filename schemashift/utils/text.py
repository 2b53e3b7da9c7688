"""Text helpers with the names of ``django.utils.text``."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from schemashift.utils.functional import keep_lazy_text


@keep_lazy_text
def capfirst(text: Any) -> str:
    """``text`` with its first character in upper case (``""`` for an empty value)."""
    text = str(text) if text is not None else ""
    return text[:1].upper() + text[1:]


@keep_lazy_text
def slugify(value: Any, allow_unicode: bool = False) -> str:
    """``"Hello, World!"`` -> ``"hello-world"``: lower case letters, digits, ``_`` and ``-``.

    Accents are dropped (ASCII) unless ``allow_unicode``; spaces and repeated dashes become one
    dash; dashes and underscores at either end are stripped.
    """
    value = str(value)
    if allow_unicode:
        value = unicodedata.normalize("NFKC", value)
    else:
        value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


__all__ = ["capfirst", "slugify"]
