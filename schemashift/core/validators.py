"""Validators with the names, messages and codes of ``django.core.validators``.

A validator is called with a value and raises ``ValidationError`` when the value is not valid.
Validators compare equal when built alike, and deconstruct, so ``validators=[...]`` on a
field is written into migration files as ``schemashift.core.validators.X(...)``.
"""

from __future__ import annotations

import decimal
import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from schemashift.exceptions import ValidationError
from schemashift.utils.deconstruct import deconstructible
from schemashift.utils.translation import gettext_lazy as _
from schemashift.utils.translation import ngettext_lazy

EMPTY_VALUES = (None, "", [], (), {})


@deconstructible
class RegexValidator:
    """Valid when ``regex`` is found in ``str(value)`` (not found, with ``inverse_match``)."""

    regex: Any = ""
    message: Any = _("Enter a valid value.")
    code = "invalid"
    inverse_match = False
    flags = 0

    def __init__(
        self,
        regex: str | re.Pattern[str] | None = None,
        message: Any = None,
        code: str | None = None,
        inverse_match: bool | None = None,
        flags: int | None = None,
    ) -> None:
        if regex is not None:
            self.regex = regex
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if inverse_match is not None:
            self.inverse_match = inverse_match
        if flags is not None:
            self.flags = flags
        if self.flags and not isinstance(self.regex, str):
            raise TypeError("If the flags are set, regex must be a regular expression string.")
        if isinstance(self.regex, str):
            self.regex = re.compile(self.regex, self.flags)

    def __call__(self, value: Any) -> None:
        found = self.regex.search(str(value))
        if bool(found) == bool(self.inverse_match):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RegexValidator)
            and self.regex.pattern == other.regex.pattern
            and self.regex.flags == other.regex.flags
            and self.message == other.message
            and self.code == other.code
            and self.inverse_match == other.inverse_match
        )

    def __hash__(self) -> int:
        return hash((type(self), self.regex.pattern, self.regex.flags, self.code))


_HOST_LABEL = r"(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-)"
_HOST_RE = re.compile(
    rf"^(?:{_HOST_LABEL}\.)*{_HOST_LABEL}\.(?!-)(?:[a-z\u00a1-\uffff-]{{2,63}}|xn--[a-z0-9]{{1,59}})"
    r"(?<!-)\.?$|^localhost$",
    re.IGNORECASE,
)


@deconstructible
class URLValidator(RegexValidator):
    """Valid for an absolute URL of one of ``schemes`` whose host is a domain name, an IPv4
    address, ``[IPv6]`` or ``localhost``."""

    message = _("Enter a valid URL.")
    schemes = ["http", "https", "ftp", "ftps"]
    max_length = 2048

    def __init__(self, schemes: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(r"^\S+$", **kwargs)
        if schemes is not None:
            self.schemes = list(schemes)

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str) or len(value) > self.max_length or not self._valid(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def _valid(self, value: str) -> bool:
        if not self.regex.search(value):
            return False
        scheme, sep, _rest = value.partition("://")
        if not sep or scheme.lower() not in self.schemes:
            return False
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 -- reading it checks it
        except ValueError:
            return False
        host = parts.hostname or ""
        if not host:
            return False
        if parts.netloc.rpartition("@")[2].startswith("["):
            return _is_ip(host, ipaddress.IPv6Address)
        if re.fullmatch(r"[0-9.]+", host):
            return _is_ip(host, ipaddress.IPv4Address)
        return len(host) <= 253 and bool(_HOST_RE.match(host))

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.schemes == getattr(other, "schemes", None)

    __hash__ = RegexValidator.__hash__


def _is_ip(text: str, kind: type) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


integer_validator = RegexValidator(
    re.compile(r"^-?\d+\Z"), message=_("Enter a valid integer."), code="invalid"
)


def validate_integer(value: Any) -> None:
    """Valid for text holding a whole number."""
    integer_validator(value)


@deconstructible
class EmailValidator:
    """Valid for ``user@domain`` addresses; ``allowlist`` names domains accepted as they are
    (``localhost`` by default)."""

    message = _("Enter a valid email address.")
    code = "invalid"
    user_regex = re.compile(
        r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z"
        r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)',
        re.IGNORECASE,
    )
    domain_regex = re.compile(
        r"^((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z",
        re.IGNORECASE,
    )
    literal_regex = re.compile(r"\[([A-F0-9:.]+)\]\Z", re.IGNORECASE)
    domain_allowlist = ["localhost"]

    def __init__(
        self, message: Any = None, code: str | None = None, allowlist: Sequence[str] | None = None
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if allowlist is not None:
            self.domain_allowlist = list(allowlist)

    def __call__(self, value: Any) -> None:
        if not value or not isinstance(value, str) or "@" not in value or len(value) > 320:
            raise ValidationError(self.message, code=self.code, params={"value": value})
        user, _at, domain = value.rpartition("@")
        if not self.user_regex.match(user) or not self._valid_domain(domain):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def _valid_domain(self, domain: str) -> bool:
        if domain in self.domain_allowlist or self.domain_regex.match(domain):
            return True
        literal = self.literal_regex.match(domain)
        if literal:
            return _is_ip(literal[1], ipaddress.IPv4Address) or _is_ip(
                literal[1], ipaddress.IPv6Address
            )
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return False
        return bool(self.domain_regex.match(ascii_domain))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, EmailValidator)
            and self.domain_allowlist == other.domain_allowlist
            and self.message == other.message
            and self.code == other.code
        )

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.domain_allowlist), self.code))


validate_email = EmailValidator()

slug_re = re.compile(r"^[-a-zA-Z0-9_]+\Z")
validate_slug = RegexValidator(
    slug_re,
    # Translators: "letters" means latin letters: a-z and A-Z.
    _("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    "invalid",
)

slug_unicode_re = re.compile(r"^[-\w]+\Z")
validate_unicode_slug = RegexValidator(
    slug_unicode_re,
    _("Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens."),
    "invalid",
)


def validate_ipv4_address(value: Any) -> None:
    """Valid for an IPv4 address."""
    if not isinstance(value, str) or not _is_ip(value, ipaddress.IPv4Address):
        raise ValidationError(
            _("Enter a valid %(protocol)s address."),
            code="invalid",
            params={"protocol": _("IPv4"), "value": value},
        )


def validate_ipv6_address(value: Any) -> None:
    """Valid for an IPv6 address."""
    if not isinstance(value, str) or not _is_ip(value, ipaddress.IPv6Address):
        raise ValidationError(
            _("Enter a valid %(protocol)s address."),
            code="invalid",
            params={"protocol": _("IPv6"), "value": value},
        )


def validate_ipv46_address(value: Any) -> None:
    """Valid for an IPv4 or an IPv6 address."""
    if not isinstance(value, str) or not (
        _is_ip(value, ipaddress.IPv4Address) or _is_ip(value, ipaddress.IPv6Address)
    ):
        raise ValidationError(
            _("Enter a valid %(protocol)s address."),
            code="invalid",
            params={"protocol": _("IPv4 or IPv6"), "value": value},
        )


def int_list_validator(
    sep: str = ",", message: Any = None, code: str = "invalid", allow_negative: bool = False
) -> RegexValidator:
    """A validator of whole numbers separated by ``sep`` (``"1,2,3"``)."""
    number = r"-?\d+" if allow_negative else r"\d+"
    separator = re.escape(sep)
    regex = re.compile(rf"^{number}(?:{separator}{number})*\Z")
    return RegexValidator(regex, message=message, code=code)


validate_comma_separated_integer_list = int_list_validator(
    message=_("Enter only digits separated by commas.")
)


@deconstructible
class BaseValidator:
    """Compares ``clean(value)`` with ``limit_value`` (or what it returns, if callable)."""

    message: Any = _("Ensure this value is %(limit_value)s (it is %(show_value)s).")
    code = "limit_value"

    def __init__(self, limit_value: Any, message: Any = None) -> None:
        self.limit_value = limit_value
        if message is not None:
            self.message = message

    def __call__(self, value: Any) -> None:
        cleaned = self.clean(value)
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(cleaned, limit):
            params = {"limit_value": limit, "show_value": cleaned, "value": value}
            raise ValidationError(self.message, code=self.code, params=params)

    def compare(self, cleaned: Any, limit: Any) -> bool:
        """Whether ``cleaned`` is invalid against ``limit``."""
        return cleaned is not limit

    def clean(self, value: Any) -> Any:
        """The part of the value that is compared."""
        return value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, type(self))
            and self.limit_value == other.limit_value
            and self.message == other.message
            and self.code == other.code
        )

    def __hash__(self) -> int:
        limit = self.limit_value
        return hash((type(self), limit if not callable(limit) else id(limit), self.code))


@deconstructible
class MaxValueValidator(BaseValidator):
    """Valid when the value is at most ``limit_value``."""

    message = _("Ensure this value is less than or equal to %(limit_value)s.")
    code = "max_value"

    def compare(self, cleaned: Any, limit: Any) -> bool:
        return cleaned > limit


@deconstructible
class MinValueValidator(BaseValidator):
    """Valid when the value is at least ``limit_value``."""

    message = _("Ensure this value is greater than or equal to %(limit_value)s.")
    code = "min_value"

    def compare(self, cleaned: Any, limit: Any) -> bool:
        return cleaned < limit


@deconstructible
class MinLengthValidator(BaseValidator):
    """Valid when ``len(value)`` is at least ``limit_value``."""

    message = ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    )
    code = "min_length"

    def compare(self, cleaned: Any, limit: Any) -> bool:
        return cleaned < limit

    def clean(self, value: Any) -> Any:
        return len(value)


@deconstructible
class MaxLengthValidator(BaseValidator):
    """Valid when ``len(value)`` is at most ``limit_value``."""

    message = ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    )
    code = "max_length"

    def compare(self, cleaned: Any, limit: Any) -> bool:
        return cleaned > limit

    def clean(self, value: Any) -> Any:
        return len(value)


@deconstructible
class DecimalValidator:
    """Valid for a Decimal with at most ``max_digits`` digits, ``decimal_places`` of them
    after the point (None: no limit)."""

    messages: dict[str, Any] = {
        "invalid": _("Enter a number."),
        "max_digits": ngettext_lazy(
            "Ensure that there are no more than %(max)s digit in total.",
            "Ensure that there are no more than %(max)s digits in total.",
            "max",
        ),
        "max_decimal_places": ngettext_lazy(
            "Ensure that there are no more than %(max)s decimal place.",
            "Ensure that there are no more than %(max)s decimal places.",
            "max",
        ),
        "max_whole_digits": ngettext_lazy(
            "Ensure that there are no more than %(max)s digit before the decimal point.",
            "Ensure that there are no more than %(max)s digits before the decimal point.",
            "max",
        ),
    }

    def __init__(self, max_digits: int | None, decimal_places: int | None) -> None:
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def __call__(self, value: decimal.Decimal) -> None:
        _sign, digit_tuple, exponent = value.as_tuple()
        if exponent in {"F", "n", "N"}:
            raise ValidationError(self.messages["invalid"], code="invalid", params={"value": value})
        assert isinstance(exponent, int)
        if exponent >= 0:
            digits = len(digit_tuple) + exponent if digit_tuple != (0,) else 1
            decimals = 0
        else:
            digits = max(len(digit_tuple), -exponent)
            decimals = -exponent
        whole_digits = digits - decimals
        for code, limit, actual in (
            ("max_digits", self.max_digits, digits),
            ("max_decimal_places", self.decimal_places, decimals),
        ):
            if limit is not None and actual > limit:
                raise ValidationError(
                    self.messages[code], code=code, params={"max": limit, "value": value}
                )
        if (
            self.max_digits is not None
            and self.decimal_places is not None
            and whole_digits > self.max_digits - self.decimal_places
        ):
            limit = self.max_digits - self.decimal_places
            raise ValidationError(
                self.messages["max_whole_digits"],
                code="max_whole_digits",
                params={"max": limit, "value": value},
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DecimalValidator)
            and self.max_digits == other.max_digits
            and self.decimal_places == other.decimal_places
        )

    def __hash__(self) -> int:
        return hash((type(self), self.max_digits, self.decimal_places))


@deconstructible
class FileExtensionValidator:
    """Valid for a file (anything with ``.name``) whose extension is one of
    ``allowed_extensions`` (compared in lower case; None allows any)."""

    message = _(
        "File extension “%(extension)s” is not allowed. "
        "Allowed extensions are: %(allowed_extensions)s."
    )
    code = "invalid_extension"

    def __init__(
        self,
        allowed_extensions: Sequence[str] | None = None,
        message: Any = None,
        code: str | None = None,
    ) -> None:
        if allowed_extensions is not None:
            allowed_extensions = [extension.lower() for extension in allowed_extensions]
        self.allowed_extensions = allowed_extensions
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def __call__(self, value: Any) -> None:
        extension = Path(value.name).suffix[1:].lower()
        if self.allowed_extensions is not None and extension not in self.allowed_extensions:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "extension": extension,
                    "allowed_extensions": ", ".join(self.allowed_extensions),
                    "value": value,
                },
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FileExtensionValidator)
            and set(self.allowed_extensions or []) == set(other.allowed_extensions or [])
            and self.message == other.message
            and self.code == other.code
        )

    def __hash__(self) -> int:
        return hash((type(self), self.code))


@deconstructible
class ProhibitNullCharactersValidator:
    """Valid when ``str(value)`` holds no NUL character."""

    message = _("Null characters are not allowed.")
    code = "null_characters_not_allowed"

    def __init__(self, message: Any = None, code: str | None = None) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def __call__(self, value: Any) -> None:
        if "\x00" in str(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ProhibitNullCharactersValidator)
            and self.message == other.message
            and self.code == other.code
        )

    def __hash__(self) -> int:
        return hash((type(self), self.code))


__all__ = [
    "EMPTY_VALUES",
    "BaseValidator",
    "DecimalValidator",
    "EmailValidator",
    "FileExtensionValidator",
    "MaxLengthValidator",
    "MaxValueValidator",
    "MinLengthValidator",
    "MinValueValidator",
    "ProhibitNullCharactersValidator",
    "RegexValidator",
    "URLValidator",
    "int_list_validator",
    "integer_validator",
    "validate_comma_separated_integer_list",
    "validate_email",
    "validate_integer",
    "validate_ipv4_address",
    "validate_ipv46_address",
    "validate_ipv6_address",
    "validate_slug",
    "validate_unicode_slug",
]
