"""Time helpers in the spirit of django.utils.timezone: aware datetimes in UTC."""

from __future__ import annotations

import datetime

utc = datetime.UTC


def now() -> datetime.datetime:
    """The current time as an aware datetime in UTC."""
    return datetime.datetime.now(tz=utc)
