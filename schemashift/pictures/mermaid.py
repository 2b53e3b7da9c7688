"""What Mermaid's grammar accepts: identifiers, quoted labels and type names."""

from __future__ import annotations

import hashlib
import re

_PLAIN = re.compile(r"[A-Za-z0-9_]+")
_OTHER = re.compile(r"[^A-Za-z0-9_]+")


def identifier(prefix: str, text: str) -> str:
    """``prefix`` + ``text`` made of letters, digits and ``_`` only.

    Where ``text`` had other characters, a short hash of it keeps two texts that differ only
    in those characters apart. The prefix keeps every identifier clear of Mermaid's keywords
    (``end``) and of the letters ``o`` and ``x`` that end an arrow.
    """
    if _PLAIN.fullmatch(text):
        return f"{prefix}{text}"
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{prefix}{_OTHER.sub('_', text).strip('_')}_{digest}"


def word(text: str) -> str:
    """A type or attribute name for an ``erDiagram``: ``varchar(200)`` -> ``varchar_200``."""
    cleaned = _OTHER.sub("_", text).strip("_")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"t_{cleaned}"
    return cleaned


def label(text: str) -> str:
    """Text inside a double-quoted Mermaid label, with ``"`` written as an entity."""
    return text.replace('"', "#quot;")


def comment(text: str) -> str:
    """Text inside an ``erDiagram`` comment, which cannot hold a double quote."""
    return text.replace('"', "'")
