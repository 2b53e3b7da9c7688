"""Meta.indexes entries."""

from __future__ import annotations

from typing import Any

from schemashift.models.expressions import F, Q, referenced_fields_of
from schemashift.utils.names import names_digest


class Index:
    """An index over fields (``"-field"`` orders that column descending) or expressions
    (``Index(Lower("title"), name=...)``), optionally partial (``condition=Q(...)``), covering
    (``include=[...]``) or with PostgreSQL operator classes (``opclasses``), as Django's."""

    suffix = "idx"
    max_name_length = 30

    def __init__(
        self,
        *expressions: Any,
        fields: list[str] | tuple[str, ...] = (),
        name: str | None = None,
        db_tablespace: str | None = None,
        opclasses: list[str] | tuple[str, ...] = (),
        condition: Q | None = None,
        include: list[str] | tuple[str, ...] | None = None,
    ):
        _refuse_bad_index(expressions, fields, name, opclasses, condition, include)
        self.fields = list(fields)
        self.expressions = tuple(F(e) if isinstance(e, str) else e for e in expressions)
        self.name = name or ""
        self.db_tablespace = db_tablespace
        self.opclasses = opclasses
        self.condition = condition
        self.include = tuple(include) if include else ()

    @property
    def contains_expressions(self) -> bool:
        return bool(self.expressions)

    @property
    def fields_orders(self) -> list[tuple[str, str]]:
        """Each field name with "DESC" or "" (none for an expression index)."""
        return [(f[1:], "DESC") if f.startswith("-") else (f, "") for f in self.fields]

    def referenced_fields(self) -> set[str]:
        """The names of every field the index reads: keys, expressions, include, condition."""
        found = {name for name, _order in self.fields_orders} | set(self.include)
        for expression in self.expressions:
            found |= referenced_fields_of(expression)
        if self.condition is not None:
            found |= referenced_fields_of(self.condition)
        return found

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {"name": self.name}
        if self.fields:
            kwargs["fields"] = self.fields
        if self.db_tablespace is not None:
            kwargs["db_tablespace"] = self.db_tablespace
        if self.opclasses:
            kwargs["opclasses"] = self.opclasses
        if self.condition:
            kwargs["condition"] = self.condition
        if self.include:
            kwargs["include"] = self.include
        return "schemashift.models.Index", self.expressions, kwargs

    def clone(self) -> Index:
        _path, args, kwargs = self.deconstruct()
        return Index(*args, **{**kwargs, "fields": list(self.fields)})

    def set_name_with_model(self, table: str, columns: list[str]) -> None:
        """Name the index as Django does: ``<table[:11]>_<col[:7]>_<hash>_idx``."""
        ordered = [
            f"-{column}" if order else column
            for column, (_name, order) in zip(columns, self.fields_orders, strict=True)
        ]
        digest = names_digest(table, *ordered, self.suffix, length=6)
        self.name = f"{table[:11]}_{columns[0][:7]}_{digest}_{self.suffix}"
        if self.name[0] == "_" or self.name[0].isdigit():
            self.name = f"D{self.name[1:]}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Index) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash((tuple(self.fields), self.name))

    def __repr__(self) -> str:
        parts = [f"fields={self.fields!r}" if self.fields else f"expressions={self.expressions}"]
        if self.condition:
            parts.append(f"condition={self.condition}")
        if self.include:
            parts.append(f"include={self.include!r}")
        parts.append(f"name={self.name!r}")
        return f"<Index: {' '.join(parts)}>"


def _refuse_bad_index(
    expressions: tuple[Any, ...],
    fields: Any,
    name: str | None,
    opclasses: Any,
    condition: Any,
    include: Any,
) -> None:
    """Raise Django's errors for the index definitions it refuses."""
    if not isinstance(opclasses, list | tuple):
        raise ValueError("Index.opclasses must be a list or tuple.")
    if not expressions and not fields:
        raise ValueError(
            "At least one field or expression is required to define an index "
            "(an index must name at least one field in 'fields')."
        )
    if not isinstance(condition, Q | type(None)):
        raise ValueError("Index.condition must be a Q instance.")
    if condition and not name:
        raise ValueError("An index must be named to use condition.")
    if not isinstance(fields, list | tuple):
        raise ValueError("Index.fields must be a list or tuple.")
    if fields and not all(isinstance(f, str) for f in fields):
        raise ValueError("Index.fields must be a list of field names (strings only).")
    if expressions and fields:
        raise ValueError("Index.fields and expressions are mutually exclusive.")
    if expressions and not name:
        raise ValueError("An index must be named to use expressions.")
    if expressions and opclasses:
        raise ValueError(
            "Index.opclasses cannot be used with expressions. Use "
            "django.contrib.postgres.indexes.OpClass() instead."
        )
    if opclasses and len(opclasses) != len(fields):
        raise ValueError("Index.fields and Index.opclasses must have the same number of elements.")
    if include and not name:
        raise ValueError("A covering index must be named.")
    if not isinstance(include, list | tuple | type(None)):
        raise ValueError("Index.include must be a list or tuple.")
