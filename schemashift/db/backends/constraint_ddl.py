"""The DDL of Meta.constraints and of Meta.indexes beyond plain columns, as Django writes it.

A plain ``UniqueConstraint`` (fields only) and a ``CheckConstraint`` are table constraints:
written into CREATE TABLE, or added with ALTER TABLE. A unique constraint with a condition,
expressions, include columns or opclasses is a unique index, created after the table. What a
backend cannot do is skipped, as Django skips it, and the system checks warn (models.W036 and
the others, ``checks/constraint_checks.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from schemashift.db.backends.ddl_expressions import DDLCompiler
from schemashift.models.constraints import (
    BaseConstraint,
    CheckConstraint,
    Deferrable,
    UniqueConstraint,
)
from schemashift.models.expressions import F

if TYPE_CHECKING:
    from schemashift.db.backends.base import TableDefinition
    from schemashift.migrations.state import ProjectState
    from schemashift.models.indexes import Index

_DEFERRABLE = {
    Deferrable.DEFERRED: " DEFERRABLE INITIALLY DEFERRED",
    Deferrable.IMMEDIATE: " DEFERRABLE INITIALLY IMMEDIATE",
}


class ConstraintDDL:
    """Mixed into the schema editors: what each backend supports, and the statements."""

    supports_partial_indexes: ClassVar[bool] = True
    supports_expression_indexes: bool = True
    supports_covering_indexes: ClassVar[bool] = False
    supports_deferrable_unique_constraints: ClassVar[bool] = False
    supports_nulls_distinct_unique_constraints: bool = False
    supports_table_check_constraints: ClassVar[bool] = True
    #: whether ``opclasses`` are written after index columns (PostgreSQL only)
    supports_index_opclasses: ClassVar[bool] = False

    # these come from BaseSchemaEditor
    quote_name: Any
    run: Any
    _operation: Any

    def ddl_compiler(self, definition: TableDefinition, state: ProjectState) -> DDLCompiler:
        return DDLCompiler(self, definition, state)  # type: ignore[arg-type]

    def like_sql(self, column: str, pattern: str) -> str:
        """A case-sensitive LIKE, as Django's ``startswith`` and friends write it."""
        return f"{column} LIKE {pattern} ESCAPE '\\'"

    # -- what is supported ------------------------------------------------------------------

    def unique_supported(self, constraint: UniqueConstraint) -> bool:
        """Whether this backend creates the unique constraint at all (Django's
        ``_unique_supported``): otherwise it is skipped."""
        return (
            (not constraint.condition or self.supports_partial_indexes)
            and (not constraint.deferrable or self.supports_deferrable_unique_constraints)
            and (not constraint.include or self.supports_covering_indexes)
            and (not constraint.expressions or self.supports_expression_indexes)
            and (
                constraint.nulls_distinct is None or self.supports_nulls_distinct_unique_constraints
            )
        )

    def creates_constraint(self, constraint: BaseConstraint) -> bool:
        if isinstance(constraint, UniqueConstraint):
            return self.unique_supported(constraint)
        return self.supports_table_check_constraints

    def is_unique_index(self, constraint: BaseConstraint) -> bool:
        """A unique constraint made as a unique index rather than a table constraint."""
        return (
            isinstance(constraint, UniqueConstraint)
            and self.unique_supported(constraint)
            and not constraint.is_plain
        )

    def creates_index(self, index: Index) -> bool:
        return not index.contains_expressions or self.supports_expression_indexes

    # -- the pieces -------------------------------------------------------------------------

    def constraint_columns(
        self, definition: TableDefinition, state: ProjectState, fields: Any, expressions: Any
    ) -> str:
        """The key of an index or unique constraint: quoted columns (with their order or
        opclass), or its expressions: a column as it is, anything else in parentheses."""
        if expressions:
            compiler = self.ddl_compiler(definition, state)
            return ", ".join(
                compiler.expression(e) if isinstance(e, F) else f"({compiler.expression(e)})"
                for e in expressions
            )
        return ", ".join(self.quote_name(definition.get_field(name).column) for name in fields)

    def include_sql(self, definition: TableDefinition, include: Any) -> str:
        if not include or not self.supports_covering_indexes:
            return ""
        columns = ", ".join(self.quote_name(definition.get_field(n).column) for n in include)
        return f" INCLUDE ({columns})"

    def where_sql(self, definition: TableDefinition, state: ProjectState, condition: Any) -> str:
        if not condition or not self.supports_partial_indexes:
            return ""
        return f" WHERE {self.ddl_compiler(definition, state).condition(condition)}"

    def nulls_distinct_sql(self, nulls_distinct: bool | None) -> str:
        if nulls_distinct is None or not self.supports_nulls_distinct_unique_constraints:
            return ""
        return " NULLS DISTINCT" if nulls_distinct else " NULLS NOT DISTINCT"

    def check_sql(self, definition: TableDefinition, state: ProjectState, check: Any) -> str:
        return self.ddl_compiler(definition, state).condition(check)

    # -- statements -------------------------------------------------------------------------

    def inline_constraint_sql(
        self, definition: TableDefinition, state: ProjectState, constraint: BaseConstraint
    ) -> str | None:
        """What CREATE TABLE lists for the constraint; None when it is made otherwise."""
        name = self.quote_name(constraint.name)
        if isinstance(constraint, CheckConstraint):
            if not self.supports_table_check_constraints:
                return None
            check = self.check_sql(definition, state, constraint.condition)
            return f"CONSTRAINT {name} CHECK ({check})"
        if not self.creates_constraint(constraint) or self.is_unique_index(constraint):
            return None
        return f"CONSTRAINT {name} {self._unique_clause(definition, state, constraint)}"

    def _unique_clause(
        self, definition: TableDefinition, state: ProjectState, constraint: Any
    ) -> str:
        columns = self.constraint_columns(definition, state, constraint.fields, ())
        nulls = self.nulls_distinct_sql(constraint.nulls_distinct)
        deferrable = _DEFERRABLE.get(constraint.deferrable, "")
        return f"UNIQUE{nulls} ({columns}){deferrable}"

    def unique_index_sql(
        self, definition: TableDefinition, state: ProjectState, constraint: Any
    ) -> str:
        columns = self._index_key(definition, state, constraint)
        return (
            f"CREATE UNIQUE INDEX {self.quote_name(constraint.name)} ON "
            f"{self.quote_name(definition.table)} ({columns})"
            f"{self.include_sql(definition, constraint.include)}"
            f"{self.nulls_distinct_sql(constraint.nulls_distinct)}"
            f"{self.where_sql(definition, state, constraint.condition)}"
        )

    def _index_key(self, definition: TableDefinition, state: ProjectState, item: Any) -> str:
        if item.expressions:
            return self.constraint_columns(definition, state, (), item.expressions)
        orders = getattr(item, "fields_orders", None) or [(name, "") for name in item.fields]
        opclasses = list(item.opclasses) if self.supports_index_opclasses else []
        opclasses = opclasses or [""] * len(orders)
        parts = []
        for (name, order), opclass in zip(orders, opclasses, strict=True):
            column = self.quote_name(definition.get_field(name).column)
            parts.append(" ".join(p for p in (column, opclass, order) if p))
        return ", ".join(parts)

    def constraint_index_statements(
        self, definition: TableDefinition, state: ProjectState
    ) -> list[str]:
        """The unique indexes that constraints of a new or rebuilt table need."""
        return [
            self.unique_index_sql(definition, state, constraint)
            for constraint in definition.constraints
            if self.is_unique_index(constraint)
        ]

    def create_constraint_sql(
        self, definition: TableDefinition, state: ProjectState, constraint: BaseConstraint
    ) -> str | None:
        """The statement that adds the constraint to an existing table; None: skipped."""
        if not self.creates_constraint(constraint):
            return None
        if self.is_unique_index(constraint):
            return self.unique_index_sql(definition, state, constraint)
        table = self.quote_name(definition.table)
        clause = self.inline_constraint_sql(definition, state, constraint)
        return f"ALTER TABLE {table} ADD {clause}"

    def drop_check_sql(self, table: str, name: str) -> str:
        return f"ALTER TABLE {self.quote_name(table)} DROP CONSTRAINT {self.quote_name(name)}"

    def drop_constraint_sql(self, table: str, constraint: BaseConstraint) -> str | None:
        if not self.creates_constraint(constraint):
            return None
        if isinstance(constraint, CheckConstraint):
            return self.drop_check_sql(table, constraint.name)
        if self.is_unique_index(constraint):
            return self.drop_index_sql(table, constraint.name)  # type: ignore[attr-defined]
        return self.drop_unique_sql(table, constraint.name)  # type: ignore[attr-defined]

    def index_sql(self, definition: TableDefinition, state: ProjectState, index: Index) -> str:
        """CREATE INDEX of a Meta index with expressions, a condition, include columns or
        opclasses (a plain one is ``meta_index_sql``)."""
        return (
            f"CREATE INDEX {self.quote_name(index.name)} ON {self.quote_name(definition.table)} "
            f"({self._index_key(definition, state, index)})"
            f"{self.include_sql(definition, index.include)}"
            f"{self.where_sql(definition, state, index.condition)}"
        )
