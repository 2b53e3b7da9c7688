"""``DjangoJSONEncoder``: JSON for the values models hold, as Django writes them."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any

from schemashift.utils.functional import Promise


class DjangoJSONEncoder(json.JSONEncoder):
    """Also writes datetimes, dates and times (ISO 8601, microseconds cut to milliseconds,
    UTC as ``Z``), durations (ISO 8601), decimals, UUIDs and lazy text, as Django's does."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            if o.microsecond:
                text = text[:23] + text[26:]
            if text.endswith("+00:00"):
                text = text.removesuffix("+00:00") + "Z"
            return text
        if isinstance(o, datetime.date):
            return o.isoformat()
        if isinstance(o, datetime.time):
            if o.utcoffset() is not None:
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text[:12] if o.microsecond else text
        if isinstance(o, datetime.timedelta):
            return _duration_iso_string(o)
        if isinstance(o, (decimal.Decimal, uuid.UUID, Promise)):
            return str(o)
        return super().default(o)


def _duration_iso_string(duration: datetime.timedelta) -> str:
    sign = "-" if duration < datetime.timedelta(0) else ""
    duration = abs(duration)
    days = duration.days
    minutes, seconds = divmod(duration.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    fraction = f".{duration.microseconds:06d}" if duration.microseconds else ""
    return f"{sign}P{days}DT{hours:02d}H{minutes:02d}M{seconds:02d}{fraction}S"
