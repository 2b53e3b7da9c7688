"""``@deconstructible``: a class whose instances can be written into migration files.

The decorated class remembers the arguments each instance was built with; ``deconstruct()``
returns ``(path, args, kwargs)``, which the migration writer turns into
``path(*args, **kwargs)`` with the import it needs.
"""

from __future__ import annotations

import sys
from typing import Any, TypeVar

ClassT = TypeVar("ClassT", bound=type)


def deconstructible(*args: Any, path: str | None = None) -> Any:
    """Class decorator; ``path`` is the dotted name migrations import the class by (default:
    its module and name). Usable as ``@deconstructible`` or ``@deconstructible(path=...)``.
    """

    def decorate(cls: ClassT) -> ClassT:
        original_new = cls.__new__

        def __new__(klass: type, *new_args: Any, **new_kwargs: Any) -> Any:  # noqa: N807
            if original_new is object.__new__:
                obj = original_new(klass)
            else:
                obj = original_new(klass, *new_args, **new_kwargs)
            obj._constructor_args = (new_args, new_kwargs)
            return obj

        def deconstruct(obj: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
            if path is not None:
                import_path = path
            else:
                module_name = obj.__class__.__module__
                name = obj.__class__.__name__
                module = sys.modules.get(module_name)
                if module is None or getattr(module, name, None) is not obj.__class__:
                    raise ValueError(
                        f"Cannot deconstruct {name}: no class of that name in module "
                        f"{module_name}; define it at the top level of a module."
                    )
                import_path = f"{module_name}.{name}"
            constructor_args, constructor_kwargs = obj._constructor_args
            return import_path, tuple(constructor_args), dict(constructor_kwargs)

        cls.__new__ = staticmethod(__new__)  # type: ignore[assignment]
        cls.deconstruct = deconstruct  # type: ignore[attr-defined]
        return cls

    if not args:
        return decorate
    if len(args) == 1 and isinstance(args[0], type):
        return decorate(args[0])
    raise TypeError("deconstructible takes a class, or only the keyword argument path.")


__all__ = ["deconstructible"]
