"""Password hashes made here and by Django 5.2 check against each other."""

from __future__ import annotations

import pytest
from support.django_in_process import ready_django

from schemashift.contrib.auth.hashers import (
    ITERATIONS,
    check_password,
    is_password_usable,
    make_password,
)


@pytest.fixture(scope="module")
def django_hashers():
    ready_django()
    from django.contrib.auth import hashers

    return hashers


def test_the_format_is_djangos() -> None:
    encoded = make_password("s3cret")
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, int(iterations)) == ("pbkdf2_sha256", ITERATIONS)
    assert len(salt) == 22 and salt.isalnum()
    assert len(digest) == 44  # 32 bytes in base64


def test_same_salt_gives_djangos_hash(django_hashers) -> None:
    assert make_password("s3cret", salt="abcdefghijklmnopqrstuv") == django_hashers.make_password(
        "s3cret", salt="abcdefghijklmnopqrstuv"
    )


def test_django_accepts_our_hashes(django_hashers) -> None:
    encoded = make_password("correct horse")
    assert django_hashers.check_password("correct horse", encoded)
    assert not django_hashers.check_password("wrong horse", encoded)


def test_we_accept_djangos_hashes(django_hashers) -> None:
    encoded = django_hashers.make_password("p\u00e4ssw\u00f6rd")
    assert check_password("p\u00e4ssw\u00f6rd", encoded)
    assert not check_password("passwort", encoded)
    assert not check_password(None, encoded)


def test_a_hash_with_other_iterations_still_checks() -> None:
    encoded = make_password("pw", iterations=1000)
    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert check_password("pw", encoded)


def test_unusable_passwords(django_hashers) -> None:
    unusable = make_password(None)
    assert unusable.startswith("!") and len(unusable) == 41
    assert not is_password_usable(unusable)
    assert not django_hashers.is_password_usable(unusable)
    assert not check_password("", unusable) and not check_password("!", unusable)
    assert is_password_usable(make_password("x", iterations=1))
    assert is_password_usable(None) == django_hashers.is_password_usable(None)
    assert make_password(None) != unusable


@pytest.mark.parametrize(
    "encoded", ["", None, "md5$salt$abc", "pbkdf2_sha256$x$salt$abc", "pbkdf2_sha256$10$salt"]
)
def test_malformed_or_other_hashes_never_match(encoded: str | None) -> None:
    assert not check_password("abc", encoded)


def test_a_password_must_be_text_or_bytes() -> None:
    with pytest.raises(TypeError, match="got int"):
        make_password(123)  # type: ignore[arg-type]
