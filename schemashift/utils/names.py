"""Deterministic names for indexes and constraints, compatible with Django's."""

from __future__ import annotations

import hashlib


def names_digest(*parts: str, length: int) -> str:
    """A short, stable hex digest of the parts (md5, not used for security)."""
    digest = hashlib.md5(usedforsecurity=False)
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:length]


def truncate_name(name: str, length: int | None, hash_len: int = 4) -> str:
    """Cut a name to ``length`` characters, keeping it unique with a hash suffix."""
    if length is None or len(name) <= length:
        return name
    return name[: length - hash_len] + names_digest(name, length=hash_len)


def index_name(table: str, columns: list[str], suffix: str = "", max_length: int = 200) -> str:
    """Django's ``_create_index_name``: ``<table>_<cols>_<hash><suffix>``, cut to fit."""
    hash_suffix = f"{names_digest(table, *columns, length=8)}{suffix}"
    name = f"{table}_{'_'.join(columns)}_{hash_suffix}"
    if len(name) <= max_length:
        return name
    if len(hash_suffix) > max_length // 3:
        hash_suffix = hash_suffix[: max_length // 3]
    other_length = (max_length - len(hash_suffix)) // 2 - 1
    name = f"{table[:other_length]}_{'_'.join(columns)[:other_length]}_{hash_suffix}"
    if name[0] == "_" or name[0].isdigit():
        name = f"D{name[:-1]}"
    return name
