"""Time helpers in the spirit of django.utils.timezone: aware datetimes in UTC.

The default time zone is the TIME_ZONE setting when settings are configured, else UTC; there is
no per-request "current" time zone, so the current one is the default one.
"""

from __future__ import annotations

import datetime
import zoneinfo

utc = datetime.UTC
#: re-exported as Django's module does; migration files written by Django may use it
timedelta = datetime.timedelta

DEFAULT_TIME_ZONE = "UTC"


def now() -> datetime.datetime:
    """The current time as an aware datetime in UTC."""
    return datetime.datetime.now(tz=utc)


def get_default_timezone_name() -> str:
    """The TIME_ZONE setting, or ``"UTC"`` when it is not set or settings are not configured."""
    from schemashift import conf

    if conf.is_configured():
        return str(getattr(conf.settings, "TIME_ZONE", None) or DEFAULT_TIME_ZONE)
    return DEFAULT_TIME_ZONE


def get_default_timezone() -> zoneinfo.ZoneInfo:
    """The default time zone as a ``zoneinfo.ZoneInfo``."""
    return zoneinfo.ZoneInfo(get_default_timezone_name())


def get_current_timezone() -> zoneinfo.ZoneInfo:
    """The time zone in use: the default one (schemashift has no per-request zones)."""
    return get_default_timezone()


def get_current_timezone_name() -> str:
    """The name of the time zone in use."""
    return get_default_timezone_name()


def is_aware(value: datetime.datetime | datetime.time) -> bool:
    """Whether ``value`` knows its offset from UTC."""
    return value.utcoffset() is not None


def is_naive(value: datetime.datetime | datetime.time) -> bool:
    """Whether ``value`` has no offset from UTC."""
    return value.utcoffset() is None


def make_aware(
    value: datetime.datetime, timezone: datetime.tzinfo | None = None
) -> datetime.datetime:
    """The naive ``value`` read as a time in ``timezone`` (default: the default time zone)."""
    if is_aware(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value!r}")
    return value.replace(tzinfo=timezone or get_default_timezone())


def make_naive(
    value: datetime.datetime, timezone: datetime.tzinfo | None = None
) -> datetime.datetime:
    """The aware ``value`` as a naive time in ``timezone`` (default: the default time zone)."""
    if is_naive(value):
        raise ValueError(f"make_naive expects an aware datetime, got {value!r}")
    return value.astimezone(timezone or get_default_timezone()).replace(tzinfo=None)


def localtime(
    value: datetime.datetime | None = None, timezone: datetime.tzinfo | None = None
) -> datetime.datetime:
    """``value`` (default: now) converted to ``timezone`` (default: the current time zone)."""
    value = now() if value is None else value
    if is_naive(value):
        raise ValueError("localtime() cannot be applied to a naive datetime")
    return value.astimezone(timezone or get_current_timezone())


def localdate(
    value: datetime.datetime | None = None, timezone: datetime.tzinfo | None = None
) -> datetime.date:
    """The date of ``localtime(value, timezone)``."""
    return localtime(value, timezone).date()


__all__ = [
    "get_current_timezone",
    "get_current_timezone_name",
    "get_default_timezone",
    "get_default_timezone_name",
    "is_aware",
    "is_naive",
    "localdate",
    "localtime",
    "make_aware",
    "make_naive",
    "now",
    "timedelta",
    "utc",
]
