"""Translation functions with the names of ``django.utils.translation``.

schemashift has no message catalogues: every function returns its message untranslated
(the singular or plural form that ``number`` asks for). The lazy forms return Promises,
which migration files hold as plain strings, as Django writes them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from schemashift.utils.functional import Promise, lazy

#: the language reported when the settings name none
DEFAULT_LANGUAGE = "en-us"

_active_language: list[str] = []


def gettext(message: str) -> str:
    """``message`` in the active language (untranslated: there are no catalogues)."""
    return str(message)


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation without translating it."""
    return message


def ngettext(singular: str, plural: str, number: int) -> str:
    """``singular`` when ``number`` is 1, else ``plural``."""
    return str(singular if number == 1 else plural)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context`` (the context only tells translators apart)."""
    return str(message)


def npgettext(context: str, singular: str, plural: str, number: int) -> str:
    """``ngettext`` with a context for translators."""
    return ngettext(singular, plural, number)


gettext_lazy = lazy(gettext, str)
pgettext_lazy = lazy(pgettext, str)


class _LazyPlural(Promise):
    """A plural message whose number is given later by ``%`` with a dict (Django's form
    ``ngettext_lazy("%(n)d item", "%(n)d items", "n")``)."""

    def __init__(self, singular: str, plural: str, key: str) -> None:
        self.singular = singular
        self.plural = plural
        self.key = key

    def __mod__(self, values: dict[str, Any]) -> str:
        return ngettext(self.singular, self.plural, values[self.key]) % values

    def __str__(self) -> str:
        return str(self.plural)


def ngettext_lazy(singular: str, plural: str, number: int | str) -> Any:
    """The lazy ``ngettext``; ``number`` may be the name of the ``%`` argument holding it."""
    if isinstance(number, str):
        return _LazyPlural(singular, plural, number)
    return lazy(ngettext, str)(singular, plural, number)


def npgettext_lazy(context: str, singular: str, plural: str, number: int | str) -> Any:
    """The lazy ``npgettext``."""
    return ngettext_lazy(singular, plural, number)


def get_language() -> str:
    """The active language code: the last ``activate``d, else LANGUAGE_CODE, else en-us."""
    if _active_language:
        return _active_language[-1]
    from schemashift import conf

    if conf.is_configured():
        return str(getattr(conf.settings, "LANGUAGE_CODE", DEFAULT_LANGUAGE))
    return DEFAULT_LANGUAGE


def activate(language: str) -> None:
    """Make ``language`` the active language (messages stay untranslated)."""
    _active_language[:] = [language]


def deactivate() -> None:
    """Return to the default language."""
    _active_language.clear()


@contextlib.contextmanager
def override(language: str | None) -> Iterator[None]:
    """Make ``language`` active inside the ``with`` block."""
    saved = list(_active_language)
    if language is None:
        deactivate()
    else:
        activate(language)
    try:
        yield
    finally:
        _active_language[:] = saved


__all__ = [
    "activate",
    "deactivate",
    "get_language",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "override",
    "pgettext",
    "pgettext_lazy",
]
