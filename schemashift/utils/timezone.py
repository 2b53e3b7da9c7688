"""Time helpers in the spirit of django.utils.timezone: aware datetimes in UTC."""

from __future__ import annotations

import datetime

utc = datetime.UTC


def now() -> datetime.datetime:
    """The current time as an aware datetime in UTC."""
    return datetime.datetime.now(tz=utc)


def is_aware(value: datetime.datetime) -> bool:
    return value.utcoffset() is not None


def make_aware(value: datetime.datetime, tz: datetime.tzinfo = utc) -> datetime.datetime:
    return value.replace(tzinfo=tz)
