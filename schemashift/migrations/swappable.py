"""Dependencies on a model named by a setting (``AUTH_USER_MODEL``), as Django writes them.

A migration file says ``migrations.swappable_dependency(settings.AUTH_USER_MODEL)``: the first
migration of the app that setting points at. The autodetector records such a dependency as
``("__setting__", "AUTH_USER_MODEL")`` and the writer turns it back into that call.
"""

from __future__ import annotations

from schemashift.exceptions import ImproperlyConfigured

#: the app label the autodetector uses for a dependency on a swappable setting
SETTING_DEPENDENCY = "__setting__"


class SwappableTuple(tuple):
    """``(app_label, "__first__")`` that remembers the setting it came from."""

    setting: str

    def __new__(cls, value: tuple[str, str], setting: str) -> SwappableTuple:
        self = tuple.__new__(cls, value)
        self.setting = setting
        return self


def swappable_dependency(value: str) -> SwappableTuple:
    """The dependency on the app of the model ``value`` (``"accounts.User"``) names."""
    app_label, dot, model = str(value).partition(".")
    if not dot or not app_label or not model:
        raise ImproperlyConfigured(
            f"swappable_dependency() needs a model as 'app_label.ModelName', not {value!r}."
        )
    return SwappableTuple((app_label, "__first__"), str(value))


__all__ = [
    "SETTING_DEPENDENCY",
    "SwappableTuple",
    "swappable_dependency",
]
