"""Password hashes in Django's format: ``pbkdf2_sha256$<iterations>$<salt>$<base64 hash>``.

A hash made here is accepted by Django's ``check_password`` and the other way round, so a
``password`` column a Django project filled keeps working. Only PBKDF2 with SHA-256, Django's
default, is written and read; a hash of any other algorithm never matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

ALGORITHM = "pbkdf2_sha256"
#: Django 5.2's work factor for pbkdf2_sha256
ITERATIONS = 1_000_000
#: an unusable password is this prefix and random characters: it never matches any password
UNUSABLE_PASSWORD_PREFIX = "!"
UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40
SALT_ALPHABET = string.ascii_letters + string.digits
#: 22 characters of 62 carry the 128 bits of entropy Django asks of a salt
SALT_LENGTH = 22


def make_password(
    password: str | bytes | None, salt: str | None = None, iterations: int = ITERATIONS
) -> str:
    """The hash to store for ``password``; None gives an unusable password."""
    if password is None:
        return UNUSABLE_PASSWORD_PREFIX + _random_string(UNUSABLE_PASSWORD_SUFFIX_LENGTH)
    if not isinstance(password, (str, bytes)):
        raise TypeError(f"Password must be a string or bytes, got {type(password).__qualname__}.")
    salt = salt or _random_string(SALT_LENGTH)
    if "$" in salt:
        raise ValueError("The salt cannot contain '$'.")
    return f"{ALGORITHM}${iterations}${salt}${_digest(password, salt, iterations)}"


def check_password(password: str | bytes | None, encoded: str | None) -> bool:
    """Whether ``password`` is the one ``encoded`` (as ``make_password`` or Django wrote it)
    was made from. An unusable or malformed hash, or another algorithm's, never matches."""
    parts = _decode(encoded) if password is not None and is_password_usable(encoded) else None
    if parts is None or password is None:
        # Hash anyway, so that a missing user costs as long as a wrong password.
        _digest(_random_string(UNUSABLE_PASSWORD_SUFFIX_LENGTH), "salt", ITERATIONS)
        return False
    iterations, salt, expected = parts
    return hmac.compare_digest(_digest(password, salt, iterations), expected)


def is_password_usable(encoded: str | None) -> bool:
    """False for what ``make_password(None)`` returns (a user who cannot log in)."""
    return encoded is None or not encoded.startswith(UNUSABLE_PASSWORD_PREFIX)


def _decode(encoded: str | None) -> tuple[int, str, str] | None:
    """(iterations, salt, hash) of a pbkdf2_sha256 hash; None for anything else."""
    if not encoded:
        return None
    parts = encoded.split("$", 3)
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]


def _digest(password: str | bytes, salt: str, iterations: int) -> str:
    secret = password.encode() if isinstance(password, str) else password
    raw = hashlib.pbkdf2_hmac("sha256", secret, salt.encode(), iterations)
    return base64.b64encode(raw).decode("ascii").strip()


def _random_string(length: int) -> str:
    return "".join(secrets.choice(SALT_ALPHABET) for _ in range(length))


__all__ = ["check_password", "is_password_usable", "make_password"]
