"""Meta.indexes entries."""

from __future__ import annotations

from typing import Any

from schemashift.utils.names import names_digest


class Index:
    """An index over one or more fields; ``"-field"`` orders that column descending."""

    suffix = "idx"
    max_name_length = 30

    def __init__(self, *, fields: list[str] | tuple[str, ...] = (), name: str | None = None):
        if not fields:
            raise ValueError("An index must name at least one field in 'fields'.")
        if not all(isinstance(f, str) for f in fields):
            raise ValueError("Index.fields must be a list of field names.")
        self.fields = list(fields)
        self.name = name or ""

    @property
    def fields_orders(self) -> list[tuple[str, str]]:
        """Each field name with "DESC" or ""."""
        return [(f[1:], "DESC") if f.startswith("-") else (f, "") for f in self.fields]

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return "schemashift.models.Index", [], {"fields": list(self.fields), "name": self.name}

    def clone(self) -> Index:
        return Index(fields=list(self.fields), name=self.name)

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
        return f"<Index: fields={self.fields!r} name={self.name!r}>"
