"""Field changes by ALTER TABLE, for the server backends (PostgreSQL, MySQL/MariaDB).

A backend built on ``AlterTableSchemaEditor`` sets its SQL templates (``sql_add_column``,
``sql_rename_column``, ``sql_alter_column_type``, ``sql_set_not_null``/``sql_drop_not_null``,
``sql_drop_default``, ``sql_fill_nulls``, ``sql_create_fk``/``sql_drop_fk`` with
``sql_fk_deferrable``, ``sql_create_check``/``sql_drop_check``, ``sql_create_pk``/
``sql_drop_pk``; identifiers in them are quoted for it) and overrides, where a template is
not enough:

- ``add_column_statements(state, table, field, keep_default)``: ADD COLUMN, filling existing
  rows through a DEFAULT dropped right after (kept for a table in use);
- ``alter_column_type_statements(change)``: a new column type (MySQL needs the NULL-ness in
  MODIFY; PostgreSQL adds or drops identity);
- ``type_conversion_sql(column, old_type, new_type)``: PostgreSQL's ``USING`` clause;
- ``alter_column_null_sql(table, field, state)``: NULL / NOT NULL;
- ``live_constraints(table)``: the names of live constraints and indexes, to drop them (the
  default reads SQLAlchemy's Inspector);
- ``add_foreign_key_statements(table, column, to_table, to_column)`` and
  ``drop_column_sql(table, field)``: a foreign key added to an existing table, a column
  dropped (MySQL asks for an online ALTER and checks the rows around the key);
- and from the base class: ``create_unique_sql``/``drop_unique_sql``, ``drop_index_sql``,
  ``rename_index_statements``, ``render_literal``, ``read_table``/``table_names``.

``alter_field`` runs in steps a backend rarely needs to touch: drop what goes away or stands
in the way (foreign keys, unique, index, check, primary key), rename, retype, NULL (filling
NULLs with the default first), add what is new, retype the foreign key columns elsewhere
that point at the field, and rename generated indexes after a column rename.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa

from schemashift.db.backends.base import (
    BaseSchemaEditor,
    TableDefinition,
    is_managed,
    keeps_added_default,
    matching_index,
)
from schemashift.models.field_copies import is_plain_column, named_by_meta, widens

if TYPE_CHECKING:
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field
    from schemashift.models.indexes import Index


#: primary keys counted in fixed ranges by ``fill_nulls_statements``
_INTEGER_KEYS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
#: keys per UPDATE when NULLs of a table in use are filled
FILL_BATCH = 2_000


@dataclass(frozen=True)
class LiveConstraint:
    """A constraint or index of a live table: what the ALTER-based editor drops by name.

    ``kind`` is "primary_key", "foreign_key", "unique", "check" or "index".
    """

    name: str
    kind: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class FieldChange:
    """One AlterField as the ALTER-based editor sees it: the field before and after."""

    table: str
    old_model: ModelState
    new_model: ModelState
    old: Field
    new: Field
    from_state: ProjectState
    to_state: ProjectState
    #: whether the column's declared type (or identity/auto-increment suffix) changes
    retyped: bool
    #: (to_table, to_column) of the foreign key constraint before and after, or None
    old_reference: tuple[str, str] | None
    new_reference: tuple[str, str] | None

    @property
    def renamed(self) -> bool:
        return self.old.column != self.new.column

    @property
    def rereferenced(self) -> bool:
        """Whether the field's own foreign key constraint must be dropped or made anew."""
        return self.old_reference != self.new_reference or (
            self.retyped and self.old_reference is not None
        )


class AlterTableSchemaEditor(BaseSchemaEditor):
    """Field changes by ALTER TABLE, for backends whose ALTER TABLE can make them all.

    See the module docstring for the hooks a backend overrides. Foreign keys are separate
    named constraints (``foreign_key_statements``), unique fields are UNIQUE in the column
    definition or, when altered, named ``<table>_<column>_<hash>_uniq`` constraints; the names
    of constraints to drop are looked up in the live database (``live_constraints``) and
    predicted only when there is none to read (SQL collected without a database, or made
    earlier in the same collected migration).
    """

    sql_add_column: ClassVar[str] = "ALTER TABLE {table} ADD COLUMN {column} {definition}"
    sql_drop_column: ClassVar[str] = "ALTER TABLE {table} DROP COLUMN {column}"
    sql_rename_column: ClassVar[str] = "ALTER TABLE {table} RENAME COLUMN {old} TO {new}"
    sql_alter_column_type: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} TYPE {type}"
    sql_set_not_null: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL"
    sql_drop_not_null: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"
    sql_drop_default: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
    sql_set_default: ClassVar[str] = "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {value}"
    sql_fill_nulls: ClassVar[str] = "UPDATE {table} SET {column} = {value} WHERE {column} IS NULL"
    sql_create_fk: ClassVar[str] = (
        "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) "
        "REFERENCES {to_table} ({to_column}){deferrable}"
    )
    #: written after a foreign key's REFERENCES clause (PostgreSQL: DEFERRABLE ...)
    sql_fk_deferrable: ClassVar[str] = ""
    sql_drop_fk: ClassVar[str] = "ALTER TABLE {table} DROP CONSTRAINT {name}"
    sql_create_check: ClassVar[str] = "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check})"
    sql_drop_check: ClassVar[str] = "ALTER TABLE {table} DROP CONSTRAINT {name}"
    sql_create_pk: ClassVar[str] = (
        "ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({column})"
    )
    sql_drop_pk: ClassVar[str] = "ALTER TABLE {table} DROP CONSTRAINT {name}"

    def _sql(self, template: str, **names: str) -> str:
        """A template filled with quoted identifiers; ``type``, ``definition``, ``value``,
        ``check`` and ``deferrable`` are SQL already and go in as they are."""
        verbatim = {"type", "definition", "value", "check", "deferrable"}
        return template.format(
            **{
                key: value if key in verbatim else self.quote_name(value)
                for key, value in names.items()
            }
        )

    # -- statements a backend may override ----------------------------------------------------

    def add_column_statements(
        self, state: ProjectState, table: str, field: Field, keep_default: bool = False
    ) -> list[str]:
        """ADD COLUMN; existing rows get the field's value through a DEFAULT dropped at once,
        so the database keeps no default (Python defaults are not the database's), unless
        ``keep_default`` (a table in use: the previous app version leaves the column out). A
        ``db_default`` stays: it fills the existing rows and later INSERTs alike."""
        if field.has_db_default() or field.generated:
            definition = self.column_definition(field, state)
            return [
                self._sql(
                    self.sql_add_column, table=table, column=field.column, definition=definition
                )
            ]
        default = self.effective_default(field)
        literal = None if default is None else self.quote_value(default, field, state)
        definition = self.column_definition(field, state, default=literal)
        statements = [
            self._sql(self.sql_add_column, table=table, column=field.column, definition=definition)
        ]
        if literal is not None and not keep_default:
            statements.append(self._sql(self.sql_drop_default, table=table, column=field.column))
        return statements

    def alter_column_type_statements(self, change: FieldChange) -> list[str]:
        """Give the (already renamed) column its new type, converting the values."""
        old_type = self.column_type(change.old, change.from_state)
        new_type = self.column_type(change.new, change.to_state)
        if old_type == new_type:
            return []
        column = change.new.column
        type_sql = new_type + self.type_conversion_sql(column, old_type, new_type)
        return [
            self._sql(self.sql_alter_column_type, table=change.table, column=column, type=type_sql)
        ]

    def type_conversion_sql(self, column: str, old_type: str, new_type: str) -> str:
        """What follows the new type to convert the values (PostgreSQL: ``USING ...``)."""
        return ""

    def alter_column_null_sql(self, table: str, field: Field, state: ProjectState) -> str:
        """Make the column NULL or NOT NULL as ``field`` says."""
        template = self.sql_drop_not_null if field.null else self.sql_set_not_null
        return self._sql(template, table=table, column=field.column)

    def create_fk_sql(self, table: str, column: str, to_table: str, to_column: str) -> str:
        name = self.foreign_key_name(table, column, to_table, to_column)
        return self._sql(
            self.sql_create_fk,
            table=table,
            name=name,
            column=column,
            to_table=to_table,
            to_column=to_column,
            deferrable=self.sql_fk_deferrable,
        )

    def add_foreign_key_statements(
        self, table: str, column: str, to_table: str, to_column: str
    ) -> list[str]:
        """The statements adding a foreign key to an existing table (MySQL checks the rows
        around an online ALTER)."""
        return [self.create_fk_sql(table, column, to_table, to_column)]

    def live_constraints(self, table: str) -> list[LiveConstraint]:
        """The constraints and indexes of a live table, read with SQLAlchemy's Inspector."""
        inspector = sa.inspect(self.connection)
        if not inspector.has_table(table):
            return []
        found: set[LiveConstraint] = set()
        primary_key = inspector.get_pk_constraint(table)
        if primary_key.get("name"):
            columns = tuple(primary_key["constrained_columns"])
            found.add(LiveConstraint(primary_key["name"], "primary_key", columns))
        for key in inspector.get_foreign_keys(table):
            columns = tuple(key["constrained_columns"])
            found.add(LiveConstraint(key["name"], "foreign_key", columns))
        for unique in inspector.get_unique_constraints(table):
            found.add(LiveConstraint(unique["name"], "unique", tuple(unique["column_names"])))
        for index in inspector.get_indexes(table):
            kind = "unique" if index["unique"] else "index"
            found.add(LiveConstraint(index["name"], kind, tuple(index["column_names"])))
        names = [column["name"] for column in inspector.get_columns(table)]
        for check in inspector.get_check_constraints(table):
            columns = _columns_named_in(check["sqltext"], names)
            found.add(LiveConstraint(check["name"], "check", columns))
        return sorted(found, key=lambda constraint: (constraint.kind, constraint.name))

    # -- names --------------------------------------------------------------------------------

    def field_unique_name(self, table: str, column: str) -> str:
        """The name of the unique constraint AlterField gives a field (Django's ``_uniq``)."""
        return self.index_name(table, [column], "_uniq")

    def check_name(self, table: str, column: str) -> str:
        return self.index_name(table, [column], "_check")

    def primary_key_name(self, table: str, column: str) -> str:
        return self.index_name(table, [column], "_pk")

    def _constraint_names(
        self, table: str, kind: str, columns: list[str], predicted: str
    ) -> list[str]:
        """The live names of the table's constraints of this kind on exactly these columns;
        the predicted name when the live database has none."""
        if self.connection is not None:
            found = [
                constraint.name
                for constraint in self.live_constraints(table)
                if constraint.kind == kind and list(constraint.columns) == columns
            ]
            if found:
                return found
        return [predicted]

    def _field_index_in_database(self, model: ModelState, field: Field) -> str:
        """The name of the field's db_index index: the predicted one, or the live index on
        exactly its column that no Meta index claims."""
        table = self.model_table(model)
        predicted = self.field_index_name(table, field)
        live = self._live_table(table)
        if live is None or predicted in live.indexes:
            return predicted
        named = {index.name for index in model.indexes}
        return matching_index(live, [field.column], False, exclude=named) or predicted

    def _reference(self, field: Field, state: ProjectState) -> tuple[str, str] | None:
        """(table, column) a field's foreign key constraint points at, or None."""
        if not (field.is_relation and field.db_constraint):
            return None
        return self.model_table(state.related_model(field)), self.target_field(field, state).column

    def _column_signature(self, field: Field, state: ProjectState) -> tuple[str, str]:
        suffix = (
            "" if field.is_relation else self.data_type_suffixes.get(field.get_internal_type(), "")
        )
        return self.column_type(field, state), suffix

    # -- tables -------------------------------------------------------------------------------

    def foreign_key_statements(self, state: ProjectState, definition: TableDefinition) -> list[str]:
        statements = []
        for candidate in definition.fields:
            reference = self._reference(candidate, state)
            if reference is not None:
                statements.append(
                    self.create_fk_sql(definition.table, candidate.column, *reference)
                )
        return statements

    # -- fields -------------------------------------------------------------------------------

    def add_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        """ADD COLUMN, then its foreign key, index, and the unique_together groups and Meta
        indexes naming it (unapplying RemoveField brings those back).

        ``model`` and ``state`` are as after the addition; ``field`` may carry a one-off
        default for the existing rows.
        """
        if not is_managed(model):
            return
        table = self.model_table(model)
        definition = self.table_definition(model)
        with self._operation():
            kept = model.fields.get(field.name)
            keep_default = (
                table in self.online_tables and kept is not None and keeps_added_default(kept)
            )
            statements = self.add_column_statements(state, table, field, keep_default)
            comment = self.column_comment_sql(table, field) if field.db_comment else None
            if comment:
                statements.append(comment)
            reference = self._reference(field, state)
            if reference is not None:
                statements.extend(self.add_foreign_key_statements(table, field.column, *reference))
            statements.extend(self.field_indexes_sql(table, field, state))
            for group in _groups_naming(definition, field):
                columns = definition.columns(group)
                name = self.unique_together_name(table, columns)
                statements.append(self.create_unique_sql(name, table, columns))
            for index in _indexes_naming(definition, field):
                if self.creates_index(index):
                    statements.append(self.meta_index_sql(definition, index, state))
            for statement in statements:
                self.run(statement)

    def remove_field(self, state: ProjectState, model: ModelState, field: Field) -> None:
        """DROP COLUMN, after its foreign key and the unique_together groups and Meta indexes
        naming it (which MySQL would otherwise keep on their other columns).

        ``model`` and ``state`` are as before the removal.
        """
        if not is_managed(model):
            return
        table = self.model_table(model)
        definition = self.table_definition(model)
        with self._operation():
            reference = self._reference(field, state)
            if reference is not None:
                predicted = self.foreign_key_name(table, field.column, *reference)
                for name in self._constraint_names(table, "foreign_key", [field.column], predicted):
                    self.run(self._sql(self.sql_drop_fk, table=table, name=name))
            for group in _groups_naming(definition, field):
                columns = definition.columns(group)
                name = self._existing_unique_index(table, columns)
                self.run(
                    self.drop_unique_sql(table, name or self.unique_together_name(table, columns))
                )
            for index in _indexes_naming(definition, field):
                if self.creates_index(index):
                    self.run(self.drop_index_sql(table, index.name))
            self.run(self.drop_column_sql(table, field))

    def drop_column_sql(self, table: str, field: Field) -> str:
        return self._sql(self.sql_drop_column, table=table, column=field.column)

    def alter_field(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        new_model: ModelState,
        old_field: Field,
        new_field: Field,
    ) -> None:
        """Change a column in place: drop the constraints and indexes that go or stand in
        the way, rename, retype, change NULL, then add what is new. Foreign key columns
        elsewhere that point at the field follow a change of its type.
        """
        if not is_managed(new_model):
            return
        if not self.field_should_be_altered(from_state, to_state, old_field, new_field):
            return
        change = FieldChange(
            table=self.model_table(old_model),
            old_model=old_model,
            new_model=new_model,
            old=old_field,
            new=new_field,
            from_state=from_state,
            to_state=to_state,
            retyped=self._column_signature(old_field, from_state)
            != self._column_signature(new_field, to_state),
            old_reference=self._reference(old_field, from_state),
            new_reference=self._reference(new_field, to_state),
        )
        if self._goes_through_shadow(change):
            with self._operation():
                self.retype_through_shadow(from_state, to_state, old_model, old_field, new_field)
            return
        with self._operation():
            referencing = self._referencing_changes(change) if change.retyped else []
            for child_change in referencing:
                self._drop_own_foreign_key(child_change)
            self._drop_before_alter(change)
            self._alter_column(change)
            self._add_after_alter(change)
            for child_change in referencing:
                for statement in self.alter_column_type_statements(child_change):
                    self.run(statement)
                self._add_own_foreign_key(child_change)
            if change.renamed:
                self.rename_generated_indexes(
                    self.table_definition(old_model),
                    self.table_definition(new_model),
                    {old_field.name: new_field.name},
                    to_state,
                )

    def _goes_through_shadow(self, change: FieldChange) -> bool:
        """Whether a type change of a table in use goes through a shadow column: a plain
        field (no relation, key, unique or generated column, none pointing at it, not named in Meta
        indexes, constraints or unique_together), its name and column kept, NOT NULL only
        if it was, every value fitting the new type (``widens``), and not a change the
        backend makes in place."""
        if not (
            self.retypes_through_shadow
            and change.retyped
            and change.table in self.online_tables
            and not change.renamed
            and (change.new.null or not change.old.null)
            and widens(change.old, change.new)
        ):
            return False
        for field in (change.old, change.new):
            # a unique key would be named after the new column, not as Django names it
            if not is_plain_column(field) or field.unique:
                return False
        if any(
            named_by_meta(model, change.old.name) for model in (change.old_model, change.new_model)
        ):
            return False
        return not self._is_pointed_at(change) and not self.retypes_in_place(change)

    def _is_pointed_at(self, change: FieldChange) -> bool:
        """Whether a foreign key of another field targets the altered one."""
        model = change.new_model
        return any(
            not relation.many_to_many
            and self.target_field(relation, change.to_state).name == change.new.name
            for _child, relation in change.to_state.incoming_relations(model.app_label, model.name)
        )

    def retypes_in_place(self, change: FieldChange) -> bool:
        """Whether the backend changes the column's type without reading the table."""
        return False

    def _referencing_changes(self, change: FieldChange) -> list[FieldChange]:
        """The foreign keys pointing at the altered field whose column type changes with it."""
        found = []
        model = change.new_model
        for child, relation in change.to_state.incoming_relations(model.app_label, model.name):
            if not is_managed(child) or relation is change.new or relation.many_to_many:
                continue
            if self.target_field(relation, change.to_state).name != change.new.name:
                continue
            old_child = change.from_state.models.get(child.key)
            old_relation = old_child.fields.get(relation.name) if old_child else None
            if old_relation is None:
                continue
            old_type = self.column_type(old_relation, change.from_state)
            if old_type == self.column_type(relation, change.to_state):
                continue
            found.append(
                FieldChange(
                    table=self.model_table(child),
                    old_model=old_child,
                    new_model=child,
                    old=old_relation,
                    new=relation,
                    from_state=change.from_state,
                    to_state=change.to_state,
                    retyped=True,
                    old_reference=self._reference(old_relation, change.from_state),
                    new_reference=self._reference(relation, change.to_state),
                )
            )
        return found

    def _drop_own_foreign_key(self, change: FieldChange) -> None:
        if change.old_reference is None:
            return
        table, column = change.table, change.old.column
        predicted = self.foreign_key_name(table, column, *change.old_reference)
        for name in self._constraint_names(table, "foreign_key", [column], predicted):
            self.run(self._sql(self.sql_drop_fk, table=table, name=name))

    def _add_own_foreign_key(self, change: FieldChange) -> None:
        if change.new_reference is not None:
            for statement in self.add_foreign_key_statements(
                change.table, change.new.column, *change.new_reference
            ):
                self.run(statement)

    def _drop_before_alter(self, change: FieldChange) -> None:
        table, old, new = change.table, change.old, change.new
        if change.rereferenced:
            self._drop_own_foreign_key(change)
        if _has_unique_constraint(old) and not _has_unique_constraint(new):
            predicted = self.field_unique_name(table, old.column)
            for name in self._constraint_names(table, "unique", [old.column], predicted):
                self.run(self.drop_unique_sql(table, name))
        if self.field_needs_index(old) and not self.field_needs_index(new):
            name = self._field_index_in_database(change.old_model, old)
            self.run(self.drop_index_sql(table, name))
        old_opclass = self.pattern_opclass(old, change.from_state)
        if old_opclass and old_opclass != self.pattern_opclass(new, change.to_state):
            self.run(self.drop_index_sql(table, self.like_index_name(table, old.column)))
        if old.primary_key and not new.primary_key:
            predicted = self.primary_key_name(table, old.column)
            for name in self._constraint_names(table, "primary_key", [old.column], predicted):
                self.run(self._sql(self.sql_drop_pk, table=table, name=name))
        old_check = self.column_check(old, new.column)
        if old_check and old_check != self.column_check(new, new.column):
            predicted = self.check_name(table, old.column)
            for name in self._constraint_names(table, "check", [old.column], predicted):
                self.run(self._sql(self.sql_drop_check, table=table, name=name))

    def _alter_column(self, change: FieldChange) -> None:
        table, old, new = change.table, change.old, change.new
        if change.renamed:
            self.run(self._sql(self.sql_rename_column, table=table, old=old.column, new=new.column))
            self.note_column_rename(table, old.column, new.column)
        if change.retyped:
            for statement in self.alter_column_type_statements(change):
                self.run(statement)
        for statement in self.db_default_statements(change):
            self.run(statement)
        if old.db_comment != new.db_comment:
            self.run_if_any(self.column_comment_sql(table, new))
        if old.null != new.null:
            value = None if new.null else self.fill_value(change)
            # on a table in use, rows the previous app version inserts meanwhile get the value
            holds_default = (
                value is not None and table in self.online_tables and not new.has_db_default()
            )
            if holds_default:
                self.going_online(table)
                self.run(
                    self._sql(self.sql_set_default, table=table, column=new.column, value=value)
                )
            if value is not None:
                for statement in self.fill_nulls_statements(change, value):
                    self.run(statement)
            self.run(self.alter_column_null_sql(table, new, change.to_state))
            if holds_default:
                self.run(self._sql(self.sql_drop_default, table=table, column=new.column))

    def fill_nulls_statements(self, change: FieldChange, value: str) -> list[str]:
        """The UPDATE giving NULLs ``value``; on a table in use with an integer primary key,
        one per range of FILL_BATCH keys, each committed on its own (row locks held for a
        moment, not for the whole table), then one for keys added since."""
        table, column = change.table, change.new.column
        fill = self._sql(self.sql_fill_nulls, table=table, column=column, value=value)
        pk = change.new_model.pk if table in self.online_tables else None
        if pk is None or pk.get_internal_type() not in _INTEGER_KEYS or self.connection is None:
            return [fill]
        key = self.quote_name(pk.column)
        ((low, high),) = self.query(
            f"SELECT min({key}), max({key}) FROM {self.quote_name(table)} "
            f"WHERE {self.quote_name(column)} IS NULL"
        )
        if low is None:
            return [fill]
        return [
            *(
                f"{fill} AND {key} >= {start} AND {key} < {start + FILL_BATCH}"
                for start in range(low, high + 1, FILL_BATCH)
            ),
            f"{fill} AND {key} > {high}",
        ]

    def fill_value(self, change: FieldChange) -> str | None:
        """The SQL of the value NULLs get when a column becomes NOT NULL: the new field's
        database default, else its default; None when it has neither."""
        if change.new.has_db_default():
            return self.db_default_sql(change.new)
        default = self.effective_default(change.new)
        return None if default is None else self.quote_value(default, change.new, change.to_state)

    def db_default_statements(self, change: FieldChange) -> list[str]:
        """SET DEFAULT or DROP DEFAULT where the field's ``db_default`` changes."""
        old, new = change.old, change.new
        old_sql = self.db_default_sql(old) if old.has_db_default() else None
        new_sql = self.db_default_sql(new) if new.has_db_default() else None
        if old_sql == new_sql:
            return []
        if new_sql is None:
            return [self._sql(self.sql_drop_default, table=change.table, column=new.column)]
        return [
            self._sql(self.sql_set_default, table=change.table, column=new.column, value=new_sql)
        ]

    def _add_after_alter(self, change: FieldChange) -> None:
        table, old, new = change.table, change.old, change.new
        if new.primary_key and not old.primary_key:
            name = self.primary_key_name(table, new.column)
            self.run(self._sql(self.sql_create_pk, table=table, name=name, column=new.column))
        if _has_unique_constraint(new) and not _has_unique_constraint(old):
            name = self.field_unique_name(table, new.column)
            self.run(self.create_unique_sql(name, table, [new.column]))
        if self.field_needs_index(new) and not self.field_needs_index(old):
            name = self.field_index_name(table, new)
            self.run(self.create_index_sql(name, table, [new.column]))
        new_opclass = self.pattern_opclass(new, change.to_state)
        if new_opclass and new_opclass != self.pattern_opclass(old, change.from_state):
            self.run(self.like_index_sql(table, new.column, new_opclass))
        new_check = self.column_check(new, new.column)
        if new_check and new_check != self.column_check(old, new.column):
            name = self.check_name(table, new.column)
            self.run(self._sql(self.sql_create_check, table=table, name=name, check=new_check))
        if change.rereferenced:
            self._add_own_foreign_key(change)


def _has_unique_constraint(field: Field) -> bool:
    """Whether the field's column has a unique constraint of its own (not its primary key)."""
    return bool(field.unique) and not field.primary_key


def _field_names(field: Field) -> set[str]:
    """What unique_together and Meta.indexes may call the field: its name or attname."""
    return {field.name, field.attname}


def _groups_naming(definition: TableDefinition, field: Field) -> list[tuple[str, ...]]:
    names = _field_names(field)
    return [group for group in definition.unique_together if not names.isdisjoint(group)]


def _indexes_naming(definition: TableDefinition, field: Field) -> list[Index]:
    names = _field_names(field)
    return [i for i in definition.indexes if not names.isdisjoint(i.referenced_fields())]


def _columns_named_in(sql: str, columns: list[str]) -> tuple[str, ...]:
    """The columns a CHECK expression mentions, in table order."""
    bare = re.sub(r'["`\[\]]', "", sql)
    return tuple(
        column for column in columns if re.search(rf"(?<![\w$]){re.escape(column)}(?![\w$])", bare)
    )


__all__ = ["AlterTableSchemaEditor", "FieldChange", "LiveConstraint"]
