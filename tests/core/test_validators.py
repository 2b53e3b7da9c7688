"""The validators of schemashift.core.validators: what they accept, refuse, and how they are
written into migrations."""

from __future__ import annotations

import decimal
import re
from types import SimpleNamespace
from typing import Any

import pytest

from schemashift.core import validators
from schemashift.core.exceptions import ValidationError
from schemashift.migrations.serializer import serialize


def refusal(validator: Any, value: Any) -> tuple[list[str], str | None]:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value.messages, caught.value.error_list[0].code


@pytest.mark.parametrize(
    ("validator", "good", "bad", "message", "code"),
    [
        (
            validators.MinValueValidator(3),
            3,
            2,
            "Ensure this value is greater than or equal to 3.",
            "min_value",
        ),
        (
            validators.MaxValueValidator(3),
            3,
            4,
            "Ensure this value is less than or equal to 3.",
            "max_value",
        ),
        (
            validators.MinLengthValidator(2),
            "ab",
            "a",
            "Ensure this value has at least 2 characters (it has 1).",
            "min_length",
        ),
        (
            validators.MaxLengthValidator(1),
            "a",
            "ab",
            "Ensure this value has at most 1 character (it has 2).",
            "max_length",
        ),
        (validators.RegexValidator(r"^\d+$"), "12", "1a", "Enter a valid value.", "invalid"),
        (
            validators.RegexValidator(r"x", inverse_match=True),
            "abc",
            "xyz",
            "Enter a valid value.",
            "invalid",
        ),
        (
            validators.validate_email,
            "a.b@example.com",
            "a@b",
            "Enter a valid email address.",
            "invalid",
        ),
        (
            validators.EmailValidator(),
            "root@localhost",
            "no-at",
            "Enter a valid email address.",
            "invalid",
        ),
        (
            validators.URLValidator(),
            "https://example.com:8000/a?b=1",
            "example.com",
            "Enter a valid URL.",
            "invalid",
        ),
        (
            validators.URLValidator(),
            "http://[::1]/",
            "http://300.1.1.1/",
            "Enter a valid URL.",
            "invalid",
        ),
        (
            validators.URLValidator(schemes=["ftp"]),
            "ftp://example.com/",
            "http://example.com/",
            "Enter a valid URL.",
            "invalid",
        ),
        (
            validators.validate_slug,
            "a-b_c",
            "a b",
            "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
            "invalid",
        ),
        (
            validators.validate_unicode_slug,
            "café",
            "café!",
            "Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens.",
            "invalid",
        ),
        (
            validators.validate_ipv4_address,
            "10.0.0.1",
            "10.0.0",
            "Enter a valid IPv4 address.",
            "invalid",
        ),
        (
            validators.validate_ipv6_address,
            "::1",
            "10.0.0.1",
            "Enter a valid IPv6 address.",
            "invalid",
        ),
        (
            validators.validate_ipv46_address,
            "::1",
            "x",
            "Enter a valid IPv4 or IPv6 address.",
            "invalid",
        ),
        (
            validators.ProhibitNullCharactersValidator(),
            "ab",
            "a\x00b",
            "Null characters are not allowed.",
            "null_characters_not_allowed",
        ),
        (
            validators.validate_comma_separated_integer_list,
            "1,22,3",
            "1,-2",
            "Enter only digits separated by commas.",
            "invalid",
        ),
        (
            validators.int_list_validator(sep=";", allow_negative=True),
            "1;-2",
            "1,2",
            "Enter a valid value.",
            "invalid",
        ),
        (
            validators.DecimalValidator(4, 2),
            decimal.Decimal("12.34"),
            decimal.Decimal("123.4"),
            "Ensure that there are no more than 2 digits before the decimal point.",
            "max_whole_digits",
        ),
        (
            validators.DecimalValidator(4, 2),
            decimal.Decimal("1.5"),
            decimal.Decimal("1.234"),
            "Ensure that there are no more than 2 decimal places.",
            "max_decimal_places",
        ),
        (
            validators.FileExtensionValidator(["PDF"]),
            SimpleNamespace(name="report.pdf"),
            SimpleNamespace(name="report.exe"),
            "File extension “exe” is not allowed. Allowed extensions are: pdf.",
            "invalid_extension",
        ),
    ],
)
def test_validator_accepts_and_refuses(
    validator: Any, good: Any, bad: Any, message: str, code: str
) -> None:
    assert validator(good) is None
    assert refusal(validator, bad) == ([message], code)


def test_callable_limit_is_read_when_validating() -> None:
    assert refusal(validators.MaxValueValidator(lambda: 5), 6)[0] == [
        "Ensure this value is less than or equal to 5."
    ]


def test_validators_compare_by_their_arguments() -> None:
    assert validators.MinValueValidator(1) == validators.MinValueValidator(1)
    assert validators.MinValueValidator(1) != validators.MinValueValidator(2)
    assert validators.MinValueValidator(1) != validators.MaxValueValidator(1)
    assert validators.RegexValidator("a") == validators.RegexValidator(re.compile("a"))
    assert validators.RegexValidator("a") != validators.RegexValidator("a", code="other")
    assert validators.EmailValidator() == validators.validate_email
    assert validators.DecimalValidator(4, 2) != validators.DecimalValidator(4, 1)
    assert validators.URLValidator() != validators.URLValidator(schemes=["ftp"])


@pytest.mark.parametrize(
    ("validator", "source"),
    [
        (
            validators.MinValueValidator(1),
            "schemashift.core.validators.MinValueValidator(1)",
        ),
        (
            validators.MaxLengthValidator(limit_value=10),
            "schemashift.core.validators.MaxLengthValidator(limit_value=10)",
        ),
        (
            validators.RegexValidator(re.compile(r"^\w+$", re.IGNORECASE), "Bad"),
            'schemashift.core.validators.RegexValidator(re.compile("^\\\\w+$", re.RegexFlag'
            '["IGNORECASE"]), "Bad")',
        ),
        (validators.validate_email, "schemashift.core.validators.EmailValidator()"),
        (
            validators.validate_slug,
            'schemashift.core.validators.RegexValidator(re.compile("^[-a-zA-Z0-9_]+\\\\Z"), '
            '"Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.", '
            '"invalid")',
        ),
        (
            validators.validate_ipv4_address,
            "schemashift.core.validators.validate_ipv4_address",
        ),
        (
            validators.FileExtensionValidator(allowed_extensions=["pdf"]),
            'schemashift.core.validators.FileExtensionValidator(allowed_extensions=["pdf"])',
        ),
    ],
)
def test_validators_serialize_as_django_writes_them(validator: Any, source: str) -> None:
    text, imports = serialize(validator)

    assert text == source
    assert "import schemashift.core.validators" in imports


def test_serialized_validator_rebuilds_an_equal_one() -> None:
    validator = validators.RegexValidator(re.compile("^a", re.MULTILINE), code="x")
    text, imports = serialize(validator)
    namespace: dict[str, Any] = {}
    exec("\n".join(sorted(imports)), namespace)

    assert eval(text, namespace) == validator
