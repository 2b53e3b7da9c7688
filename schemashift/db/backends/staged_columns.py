"""What the schema editors do for staged changes (``migrations/operations/staged.py``).

A staged change keeps two columns of a table in step while two app versions use them: a
trigger copies each row's write from either column to the other, the new column is filled in
batches of primary key, and contract drops the old column (and, for a type change, renames the
new one into its place). The trigger, the batches and the NOT NULL guard are each backend's
own statements (``dual_write_statements`` and the others below); how they are put together is
here, in terms of the editor's add, alter and remove of fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from schemashift.models.field_copies import (
    SHADOW_SUFFIX,
    shadow_of,
    without_default,
    without_indexes,
)

if TYPE_CHECKING:
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field

#: rows of primary key range each batch of a column copy updates
COPY_BATCH = 2_000
_INTEGER_KEYS = ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField")


class StagedColumns:
    """The staged-change steps of a schema editor, built on its field operations."""

    #: whether rebuilding a table (SQLite's remake) drops its triggers, so the copy trigger is
    #: made again after a change that may rebuild it
    remake_drops_triggers: ClassVar[bool] = False
    #: whether a type change of a column of a table in use (``online_tables``) goes through a
    #: shadow column (``retype_through_shadow``) rather than a rewrite or copy of the table
    retypes_through_shadow: ClassVar[bool] = False
    #: whether contract's swap runs as one multi-statement string (one transaction however
    #: the operation runs: PostgreSQL)
    swaps_in_one_statement: ClassVar[bool] = False

    # the editor's own, used here
    add_field: Callable[..., None]
    remove_field: Callable[..., None]
    alter_field: Callable[..., None]
    run: Callable[..., None]
    query: Callable[[str], list[Any]]
    quote_name: Callable[[str], str]
    model_table: Callable[[Any], str]
    going_online: Callable[[str], None]
    online_tables: Any
    connection: Any
    index_name: Callable[..., str]

    # -- each backend's statements ------------------------------------------------------------

    def dual_write_statements(self, table: str, old: str, new: str) -> list[str]:
        """The trigger that copies every INSERT and UPDATE of either column to the other."""
        raise NotImplementedError(f"{type(self).__name__} cannot keep two columns in step.")

    def drop_dual_write_statements(self, table: str, old: str, new: str) -> list[str]:
        """Where there is a trigger per event (``sync_trigger``): one DROP each."""
        return [
            f"DROP TRIGGER IF EXISTS {self.sync_trigger(table, old, new, suffix)}"
            for suffix in ("_i", "_u")
        ]

    def sync_trigger(self, table: str, old: str, new: str, suffix: str) -> str:
        """The quoted name of the copy trigger for one event: ``_i`` INSERT, ``_u`` UPDATE."""
        return self.quote_name(self.dual_write_name(table, old, new, suffix))

    def not_null_guard_statements(self, table: str, column: str) -> list[str]:
        """What lets contract make ``column`` NOT NULL without reading the table under an
        exclusive lock (PostgreSQL: a validated CHECK); none elsewhere."""
        return []

    def drop_not_null_guard_statements(self, table: str, column: str) -> list[str]:
        return []

    def not_null_guard_name(self, table: str, column: str) -> str | None:
        """The name of the check constraint guarding ``column`` (None: no such guard)."""
        return None

    def dual_write_name(self, table: str, old: str, new: str, suffix: str = "") -> str:
        """The name of the trigger (and its function) keeping ``old`` and ``new`` in step: the
        same either way round, as the trigger copies both ways; ``suffix`` tells apart the
        triggers of backends with one per event."""
        return self.index_name(table, sorted([old, new]), f"_sync{suffix}")

    # -- the steps ----------------------------------------------------------------------------

    def expand_column(
        self,
        state: ProjectState,
        model: ModelState,
        source: Field,
        shadow: Field,
        not_null: bool,
    ) -> None:
        """Add ``shadow`` (NULL allowed) beside ``source``, keep the two in step and fill it;
        with ``not_null``, guard it so contract can make it NOT NULL at once. ``model`` and
        ``state`` are as after the expand."""
        table = self.model_table(model)
        if table in self.online_tables:
            self.going_online(table)
        bare = without_indexes(shadow)
        unindexed = model.clone()
        unindexed.shadows[shadow.name] = bare
        self.add_field(state, unindexed, bare)
        self._start_dual_write(table, source.column, shadow.column)
        for statement in self.copy_column_statements(model, source.column, shadow.column):
            self.run(statement)
        if not_null:
            for statement in self.not_null_guard_statements(table, shadow.column):
                self.run(statement)
        # its indexes once it is filled: the batches do not keep them up to date as they go
        self.alter_field(state, state, unindexed, model, bare, shadow)
        self._restart_dual_write(table, source.column, shadow.column)

    def drop_shadow(
        self, state: ProjectState, model: ModelState, field: Field, shadow: Field
    ) -> None:
        """Stop keeping ``shadow`` in step with ``field`` and drop it (``model`` and ``state``
        as before)."""
        table = self.model_table(model)
        for statement in self.drop_dual_write_statements(table, field.column, shadow.column):
            self.run(statement)
        self.remove_field(state, model, shadow)

    def swap_in_shadow(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        model: ModelState,
        old: Field,
        shadow: Field,
        final: Field,
    ) -> None:
        """Contract a type change: drop the trigger and the old column, rename the shadow
        into its place and make it NOT NULL, in one short step (no statement reads the
        table: the guard was validated at expand)."""
        table = self.model_table(model)
        remaining = model.clone()
        remaining.fields.pop(old.name)
        after = to_state.get_model(model.app_label, model.name)
        with self._offline(), self._as_one_statement():
            for statement in self.drop_dual_write_statements(table, old.column, shadow.column):
                self.run(statement)
            self.remove_field(from_state, model, old)
            self.alter_field(from_state, to_state, remaining, after, shadow, without_default(final))
            for statement in self.drop_not_null_guard_statements(table, shadow.column):
                self.run(statement)

    def retype_through_shadow(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        old_model: ModelState,
        old: Field,
        new: Field,
    ) -> None:
        """An AlterField changing the type of a column of a table in use, as a staged change
        run in one go: the new column beside the old, kept in step and filled in batches,
        then swapped in (``expand_column``, ``swap_in_shadow``). Writers go on throughout."""
        name = f"{new.name}{SHADOW_SUFFIX}"
        shadow = shadow_of(new, name, f"{old.column}{SHADOW_SUFFIX}")
        staging = old_model.clone()
        staging.shadows[name] = shadow
        during = from_state.clone()
        during.add_model(staging)
        self.expand_column(during, staging, old, shadow, not new.null)
        self.swap_in_shadow(during, to_state, staging, old, shadow, new)

    def swap_out_shadow(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        expanded: ModelState,
        final: Field,
        shadow: Field,
        old: Field,
    ) -> None:
        """Unapply a contract: the column steps back to the shadow's place and the old one
        comes back beside it, filled and kept in step (``expanded``: the model before the
        contract, in ``to_state``)."""
        table = self.model_table(expanded)
        contracted = from_state.get_model(expanded.app_label, expanded.name)
        stepped_back = contracted.clone()
        stepped_back.fields.pop(final.name)
        stepped_back.shadows[shadow.name] = shadow
        if table in self.online_tables:
            self.going_online(table)
        self.alter_field(from_state, to_state, contracted, stepped_back, final, shadow)
        returning = shadow_of(old, old.name, old.column)
        self.expand_column(to_state, expanded, shadow, returning, False)
        self.alter_field(to_state, to_state, expanded, expanded, returning, old)
        self._restart_dual_write(table, shadow.column, old.column)

    def expand_rename(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        before: ModelState,
        model: ModelState,
        old: Field,
        shadow: Field,
        new: Field,
    ) -> None:
        """Expand a rename: the old column allows NULL (the trigger fills it for the new app
        version), the new column is added, kept in step, filled, then made NOT NULL."""
        table = self.model_table(model)
        if table in self.online_tables:
            self.going_online(table)
        self.alter_field(from_state, to_state, before, model, old, shadow)
        adding = without_indexes(shadow_of(new, new.name, new.column))
        self.add_field(to_state, model, adding)
        self._start_dual_write(table, shadow.column, new.column)
        for statement in self.copy_column_statements(model, shadow.column, new.column):
            self.run(statement)
        self.alter_field(to_state, to_state, model, model, adding, new)
        self._restart_dual_write(table, shadow.column, new.column)

    def undo_expand_rename(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        expanded: ModelState,
        before: ModelState,
        old: Field,
        shadow: Field,
        new: Field,
    ) -> None:
        """Unapply an expanded rename: drop the trigger and the new column, and make the old
        column NOT NULL again."""
        table = self.model_table(expanded)
        for statement in self.drop_dual_write_statements(table, shadow.column, new.column):
            self.run(statement)
        self.remove_field(from_state, expanded, new)
        remaining = expanded.clone()
        remaining.fields.pop(new.name)
        self.alter_field(from_state, to_state, remaining, before, shadow, old)

    def copy_column_statements(self, model: ModelState, source: str, target: str) -> list[str]:
        """The UPDATEs filling ``target`` from ``source`` where it is NULL: on a table in use
        with an integer primary key, one per range of COPY_BATCH keys, each committed on its
        own, then one for keys added since."""
        table = self.model_table(model)
        quoted_source, quoted_target = self.quote_name(source), self.quote_name(target)
        copy = (
            f"UPDATE {self.quote_name(table)} SET {quoted_target} = {quoted_source} "
            f"WHERE {quoted_target} IS NULL AND {quoted_source} IS NOT NULL"
        )
        pk = model.pk
        if (
            table not in self.online_tables
            or pk is None
            or pk.get_internal_type() not in _INTEGER_KEYS
            or self.connection is None
        ):
            return [copy]
        key = self.quote_name(pk.column)
        ((low, high),) = self.query(f"SELECT min({key}), max({key}) FROM {self.quote_name(table)}")
        if low is None:
            return [copy]
        return [
            *(
                f"{copy} AND {key} >= {start} AND {key} < {start + COPY_BATCH}"
                for start in range(low, high + 1, COPY_BATCH)
            ),
            f"{copy} AND {key} > {high}",
        ]

    # -- helpers ------------------------------------------------------------------------------

    def _start_dual_write(self, table: str, old: str, new: str) -> None:
        for statement in self.dual_write_statements(table, old, new):
            self.run(statement)

    def _restart_dual_write(self, table: str, old: str, new: str) -> None:
        """Make the trigger again where a change since may have rebuilt the table."""
        if self.remake_drops_triggers:
            for statement in self.drop_dual_write_statements(table, old, new):
                self.run(statement)
            self._start_dual_write(table, old, new)

    def _as_one_statement(self) -> Any:
        """The statements run in the block, joined into one string run after it, where the
        backend runs such a string in one transaction (``swaps_in_one_statement``)."""
        from contextlib import contextmanager, nullcontext

        if not self.swaps_in_one_statement:
            return nullcontext()

        @contextmanager
        def joined() -> Any:
            statements: list[str] = []
            self.run = lambda sql, params=None: statements.append(sql)  # type: ignore[method-assign]
            try:
                with self._live_behind():
                    yield
            finally:
                del self.run
            if statements:
                self.run(";\n".join(statements))

        return joined()

    def _live_behind(self) -> Any:
        """A block whose earlier statements have not run yet (held back, or collected to run
        step by step): the live table is not what they make it, and an index they drop would
        pass for one already renamed (``rename_generated_indexes``)."""
        from contextlib import contextmanager

        @contextmanager
        def behind() -> Any:
            was, self.live_is_behind = self.live_is_behind, True
            try:
                yield
            finally:
                self.live_is_behind = was

        return behind()

    def _offline(self) -> Any:
        """Statements in their plain forms: contract's are catalog changes, in one step."""
        from contextlib import contextmanager

        @contextmanager
        def plain() -> Any:
            online, self.online_tables = self.online_tables, frozenset()
            try:
                yield
            finally:
                self.online_tables = online

        return plain()


__all__ = ["COPY_BATCH", "StagedColumns"]
