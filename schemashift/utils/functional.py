"""Lazy values and cached attributes, as ``django.utils.functional``.

``lazy(func, str)`` returns a function whose calls give a ``Promise``: nothing is computed
until the value is used (printed, compared, formatted), and then it is computed each time,
so a translated label follows the language active at that moment.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

#: as Django's: a property computed once per instance and then stored on it
cached_property = functools.cached_property


class Promise:
    """Marks a value that is computed when used: ``isinstance(x, Promise)`` finds one."""


class _LazyValue(Promise):
    """The result of a ``lazy`` function's call, computed on every use."""

    __slots__ = ("_func", "_args", "_kwargs")

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> None:
        self._func = func
        self._args = args
        self._kwargs = kwargs

    def _evaluate(self) -> Any:
        return self._func(*self._args, **self._kwargs)

    def __getattr__(self, name: str) -> Any:
        # private and special names are not forwarded: copy and pickle probe for them on
        # objects whose slots are not set yet
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._evaluate(), name)

    def __str__(self) -> str:
        return str(self._evaluate())

    def __repr__(self) -> str:
        return repr(self._evaluate())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Promise):
            other = other._evaluate()  # type: ignore[attr-defined]
        return self._evaluate() == other

    def __lt__(self, other: Any) -> bool:
        if isinstance(other, Promise):
            other = other._evaluate()  # type: ignore[attr-defined]
        return self._evaluate() < other

    def __hash__(self) -> int:
        return hash(self._evaluate())

    def __add__(self, other: Any) -> Any:
        return self._evaluate() + other

    def __radd__(self, other: Any) -> Any:
        return other + self._evaluate()

    def __mod__(self, other: Any) -> Any:
        return self._evaluate() % other

    def __mul__(self, other: Any) -> Any:
        return self._evaluate() * other

    def __len__(self) -> int:
        return len(self._evaluate())

    def __iter__(self) -> Any:
        return iter(self._evaluate())

    def __contains__(self, item: Any) -> bool:
        return item in self._evaluate()

    def __getitem__(self, key: Any) -> Any:
        return self._evaluate()[key]

    def __bool__(self) -> bool:
        return bool(self._evaluate())

    def __format__(self, spec: str) -> str:
        return format(self._evaluate(), spec)

    def __reduce__(self) -> tuple[Any, ...]:
        return _LazyValue, (self._func, self._args, self._kwargs)

    def __copy__(self) -> _LazyValue:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _LazyValue:
        return self


def lazy(func: Callable[..., Any], *resultclasses: type) -> Callable[..., Any]:
    """``func`` made lazy: calling the result returns a Promise computing ``func`` when used.

    ``resultclasses`` (``str``, say) document what the value will be, as in Django.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _LazyValue(func, args, kwargs)

    return wrapper


def keep_lazy_text(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` returns a lazy result when any argument is a Promise, else computes now."""
    lazy_func = lazy(func, str)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(arg, Promise) for arg in (*args, *kwargs.values())):
            return lazy_func(*args, **kwargs)
        return func(*args, **kwargs)

    return wrapper


class classproperty:  # noqa: N801
    """A read-only property of the class itself (``Model.label`` without an instance)."""

    def __init__(self, method: Callable[[type], Any]) -> None:
        self.fget = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(self, instance: Any, cls: type | None = None) -> Any:
        return self.fget(cls if cls is not None else type(instance))

    def getter(self, method: Callable[[type], Any]) -> classproperty:
        self.fget = method
        return self


__all__ = ["Promise", "cached_property", "classproperty", "keep_lazy_text", "lazy"]
