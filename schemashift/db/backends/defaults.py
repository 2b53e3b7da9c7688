"""The SQL of a column's database default (``db_default=``), as Django writes it.

A plain value (or ``Value(x)``) is a literal: ``DEFAULT 'draft'``. Any other expression is
compiled on the backend's dialect with its values inlined, in parentheses:
``DEFAULT (STATEMENT_TIMESTAMP())``. Such an expression refers to no field: the compiler here
knows no table, and refuses a reference with a clear message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from schemashift.exceptions import ModelDefinitionError
from schemashift.models.expressions import Expression, Value

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.models.fields import Field

#: Django's SQL for ``Now()`` in a default, per backend
NOW_SQL = {
    "sqlite": "STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')",
    "postgresql": "STATEMENT_TIMESTAMP()",
    "mysql": "CURRENT_TIMESTAMP(6)",
}


class DefaultCompiler:
    """Compiles a default's expression: values become literals, there are no columns (a
    generated column's expression may name the other columns of its row: ``columns``)."""

    def __init__(
        self, editor: BaseSchemaEditor, field: Field, columns: dict[str, Field] | None = None
    ) -> None:
        self.editor = editor
        self.field = field
        self.vendor = editor.dialect_name
        self.columns = columns

    def resolve_reference(self, name: str) -> Any:
        return sa.literal_column(self.editor.quote_name(self._field_named(name).column))

    def reference_field(self, name: str) -> Any:
        return self._field_named(name)

    def _field_named(self, name: str) -> Field:
        found = (self.columns or {}).get(name)
        if found is None:
            known = ", ".join(sorted(self.columns or {}))
            where = f"the other fields are: {known}" if known else "it may name no field"
            raise ModelDefinitionError(
                f"Field '{self.field.name}': its expression names '{name}', which is no field "
                f"of its model here ({where})."
            )
        return found

    def bind_value(self, value: Any, field: Field | None = None) -> Any:
        literal = self.editor.adapt_value(value, field)
        return sa.literal_column(self.editor.render_literal(literal))

    def column_type(self, field: Field) -> Any:
        return sa.types.NullType()

    def now(self) -> Any:
        return sa.literal_column(NOW_SQL[self.vendor])

    def cast(self, expression: Any, field: Field) -> Any:
        """``CAST(expression AS <the field's column type>)``."""
        target = self.editor.column_type(field, None)  # type: ignore[arg-type]
        return sa.literal_column(f"CAST({compile_sql(self.editor, expression)} AS {target})")

    def temporal_arithmetic(self, lhs: Any, connector: str, rhs: Any) -> Any:
        """None: arithmetic in a default is the database's plain arithmetic."""
        return None

    def __getattr__(self, name: str) -> Any:
        if self.columns is not None:
            what = f"expression={self.field.expression!r} cannot be a generated column's"
        else:
            what = f"db_default={self.field.db_default!r} cannot be a database default"
        raise ModelDefinitionError(
            f"Field '{self.field.name}': {what}: it needs a query ({name}). Use values, "
            "F() of the row's own fields (generated columns only), Now() and database "
            "functions of those."
        )


def compile_sql(editor: BaseSchemaEditor, compiled: Any) -> str:
    """A SQLAlchemy expression as SQL text on the editor's dialect, values inlined."""
    sql = str(compiled.compile(dialect=editor.dialect, compile_kwargs={"literal_binds": True}))
    if editor.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")
    return sql


def generated_expression_sql(
    editor: BaseSchemaEditor, field: Field, columns: dict[str, Field]
) -> str:
    """A GeneratedField's expression as SQL, naming the columns of its row."""
    return compile_sql(editor, field.expression.resolve(DefaultCompiler(editor, field, columns)))


def columns_beside(state: Any, field: Field) -> dict[str, Field]:
    """The fields of the model (in ``state``) that holds ``field``, by name and attname."""
    holders = [m for m in state.models.values() if field.name in m.fields]
    # the very field object, else (a copy of the state) a field of that name built alike
    holder = next((m for m in holders if m.fields[field.name] is field), None) or next(
        (m for m in holders if _built_alike(m.fields[field.name], field)), None
    )
    if holder is None:
        return {}
    fields = list(holder.fields.values())
    return {**{f.attname: f for f in fields}, **{f.name: f for f in fields}}


def _built_alike(candidate: Field, field: Field) -> bool:
    return type(candidate) is type(field) and getattr(candidate, "expression", None) == getattr(
        field, "expression", None
    )


def is_expression_default(field: Field) -> bool:
    """Whether the field's ``db_default`` is an expression other than a plain value."""
    return isinstance(field.db_default, Expression) and not isinstance(field.db_default, Value)


def db_default_sql(editor: BaseSchemaEditor, field: Field) -> str:
    """The SQL after DEFAULT for the field's ``db_default``."""
    default = field.db_default
    if isinstance(default, Value):
        default = default.value
    if not isinstance(default, Expression):
        return editor.quote_value(default, field)
    return f"({compile_sql(editor, default.resolve(DefaultCompiler(editor, field)))})"


__all__ = [
    "NOW_SQL",
    "DefaultCompiler",
    "columns_beside",
    "compile_sql",
    "db_default_sql",
    "generated_expression_sql",
    "is_expression_default",
]
