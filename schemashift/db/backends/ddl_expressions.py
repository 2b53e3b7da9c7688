"""Conditions (``Q``) and expressions written into DDL: CHECK constraints, partial indexes
(``WHERE``) and expression indexes, in Django's spelling.

Unlike queries, DDL cannot take bound parameters, so values are rendered as literals by the
editor (``quote_value``) and columns are quoted by the dialect. Lookups across relations and
transforms have no meaning in a table's own DDL and are refused with a clear message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemashift.exceptions import ModelDefinitionError
from schemashift.models.expressions import CombinedExpression, F, Func, Q, Value
from schemashift.models.fields import BooleanField

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor, TableDefinition
    from schemashift.migrations.state import ProjectState
    from schemashift.models.fields import Field

_COMPARISONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_PATTERNS = {
    "contains": ("%", "%"),
    "startswith": ("", "%"),
    "endswith": ("%", ""),
}
_LOOKUPS = {"exact", "isnull", "in", "range", *_COMPARISONS, *_PATTERNS}


class DDLCompiler:
    """Writes the conditions and expressions of one table's constraints and indexes."""

    def __init__(
        self, editor: BaseSchemaEditor, definition: TableDefinition, state: ProjectState
    ) -> None:
        self.editor = editor
        self.definition = definition
        self.state = state

    def condition(self, q: Q) -> str:
        """``q`` as SQL: children joined by AND/OR, a node of several in parentheses,
        ``NOT (...)`` for a negated one (Django's WhereNode)."""
        parts = [self._child(child) for child in q.children]
        joined = f" {q.connector} ".join(parts)
        if q.negated:
            return f"NOT ({joined})"
        return f"({joined})" if len(parts) > 1 else joined

    def _child(self, child: Any) -> str:
        if isinstance(child, Q):
            return self.condition(child)
        if isinstance(child, tuple):
            return self.lookup(*child)
        return self.expression(child)

    def field(self, name: str) -> Field:
        try:
            return self.definition.get_field(name)
        except LookupError:
            raise ModelDefinitionError(
                f"A constraint or index of table {self.definition.table} refers to the "
                f"nonexistent field '{name}'."
            ) from None

    def lookup(self, key: str, value: Any) -> str:
        name, _, lookup = key.partition("__")
        lookup = lookup or "exact"
        if lookup not in _LOOKUPS:
            raise ModelDefinitionError(
                f"The lookup '{key}' cannot be written into a constraint or index condition "
                f"of table {self.definition.table}: schemashift writes {sorted(_LOOKUPS)} on "
                "the table's own fields."
            )
        field = self.field(name)
        column = self.editor.quote_name(field.column)
        if lookup == "isnull" or (lookup == "exact" and value is None):
            is_null = value if lookup == "isnull" else True
            return f"{column} IS NULL" if is_null else f"{column} IS NOT NULL"
        if lookup == "exact":
            bare = self.editor.writes_bare_boolean_conditions
            if bare and isinstance(value, bool) and isinstance(field, BooleanField):
                return column if value else f"NOT {column}"
            return f"{column} = {self.value(value, field)}"
        if lookup in _COMPARISONS:
            return f"{column} {_COMPARISONS[lookup]} {self.value(value, field)}"
        if lookup == "in":
            values = ", ".join(self.value(item, field) for item in value)
            return f"{column} IN ({values})"
        if lookup == "range":
            low, high = value
            return f"{column} BETWEEN {self.value(low, field)} AND {self.value(high, field)}"
        prefix, suffix = _PATTERNS[lookup]
        pattern = self.editor.render_literal(f"{prefix}{_escape_like(str(value))}{suffix}")
        return self.editor.like_sql(column, pattern)

    def value(self, value: Any, field: Field) -> str:
        """A right-hand side: an expression in parentheses, or a literal of the field's type."""
        if isinstance(value, F | Func | CombinedExpression):
            sql = self.expression(value)
            return sql if sql.startswith("(") else f"({sql})"
        if isinstance(value, Value):
            return self.editor.quote_value(value.value, field, self.state)
        return self.editor.quote_value(value, field, self.state)

    def expression(self, expression: Any) -> str:
        """An expression as SQL: a column, a literal, arithmetic or a function call."""
        if isinstance(expression, F):
            return self.editor.quote_name(self.field(expression.name).column)
        if isinstance(expression, Value):
            return self.editor.quote_value(expression.value, expression.explicit_output_field)
        if isinstance(expression, CombinedExpression):
            lhs = self.expression(expression.lhs)
            rhs = self.expression(expression.rhs)
            return f"{lhs} {expression.connector} {rhs}"
        if isinstance(expression, Func) and expression.function:
            arguments = ", ".join(self.expression(e) for e in expression.source_expressions)
            return f"{expression.function}({arguments})"
        if isinstance(expression, Q):
            return self.condition(expression)
        raise ModelDefinitionError(
            f"{expression!r} cannot be written into a constraint or index of table "
            f"{self.definition.table}: use fields, values, arithmetic and functions."
        )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
