"""System check results: an id, a message, and the object at fault.

Shared by the checks framework and the fields whose ``check()`` produces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR = 40
WARNING = 30


@dataclass(frozen=True)
class CheckMessage:
    level: int
    msg: str
    obj: Any = None
    id: str = ""
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.level >= ERROR

    @property
    def where(self) -> str:
        """The object at fault as the report names it (``polls.Choice.votes``); "" for none."""
        return _describe(self.obj)

    def __str__(self) -> str:
        where = self.where
        text = f"{where}: ({self.id}) {self.msg}" if where else f"({self.id}) {self.msg}"
        if self.hint:
            text += f"\n\tHINT: {self.hint}"
        return text


def Error(msg: str, obj: Any = None, id: str = "", hint: str | None = None) -> CheckMessage:  # noqa: N802
    return CheckMessage(ERROR, msg, obj, id, hint)


def Warning(msg: str, obj: Any = None, id: str = "", hint: str | None = None) -> CheckMessage:  # noqa: N802, A001
    return CheckMessage(WARNING, msg, obj, id, hint)


def _describe(obj: Any) -> str:
    """``polls.Choice.votes`` for a bound field, ``polls.Choice`` for a model."""
    if obj is None:
        return ""
    meta = getattr(obj, "_meta", None)
    if meta is not None:
        return meta.label
    model = getattr(obj, "model", None)
    if model is not None and getattr(obj, "name", None):
        return f"{model._meta.label}.{obj.name}"
    return str(obj)
