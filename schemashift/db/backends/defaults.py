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
    """Compiles a default's expression: values become literals, there are no columns."""

    def __init__(self, editor: BaseSchemaEditor, field: Field) -> None:
        self.editor = editor
        self.field = field
        self.vendor = editor.dialect_name

    def bind_value(self, value: Any, field: Field | None = None) -> Any:
        literal = self.editor.adapt_value(value, field)
        return sa.literal_column(self.editor.render_literal(literal))

    def column_type(self, field: Field) -> Any:
        return sa.types.NullType()

    def now(self) -> Any:
        return sa.literal_column(NOW_SQL[self.vendor])

    def temporal_arithmetic(self, lhs: Any, connector: str, rhs: Any) -> Any:
        """None: arithmetic in a default is the database's plain arithmetic."""
        return None

    def __getattr__(self, name: str) -> Any:
        raise ModelDefinitionError(
            f"Field '{self.field.name}': db_default={self.field.db_default!r} cannot be used "
            "as a database default: it refers to a field or needs a query. Use a value, "
            "Value(...), Now() or a database function of values."
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
    compiled = default.resolve(DefaultCompiler(editor, field))
    sql = str(compiled.compile(dialect=editor.dialect, compile_kwargs={"literal_binds": True}))
    if editor.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")
    return f"({sql})"


__all__ = ["NOW_SQL", "DefaultCompiler", "db_default_sql", "is_expression_default"]
