"""Taking over a database that Django migrated: its ``django_migrations`` rows.

A Django project's database records its applied migrations in ``django_migrations(id, app,
name, applied)``. The rows that name migrations schemashift's loader also has (same app label,
same name) can be adopted: copied into schemashift's history, once the live tables are
checked to be the tables those migrations imply. The check reads only the tables of the
adopted state; tables of apps schemashift does not know (Django's admin, say) are left alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from schemashift.db.introspection import IndexInfo, TableInfo, expected_schema, introspect_table
from schemashift.exceptions import DjangoHistoryFound, DjangoHistoryMismatch
from schemashift.migrations.checksum import migration_checksum
from schemashift.migrations.judge import table_differences
from schemashift.migrations.loader import MigrationLoader
from schemashift.utils import timezone

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection

    from schemashift.migrations.recorder import MigrationRecorder

DJANGO_HISTORY_TABLE = "django_migrations"
Key = tuple[str, str]


@dataclass(frozen=True)
class DjangoHistory:
    """The rows of ``django_migrations``, split by whether schemashift has the migration."""

    #: ``{(app, name): applied}`` of the migrations schemashift's loader also has, in order
    known: dict[Key, datetime.datetime]
    #: the other rows' keys (apps or migrations schemashift does not have)
    unknown: tuple[Key, ...]

    def to_adopt(self, applied: set[Key]) -> dict[Key, datetime.datetime]:
        """The known rows schemashift's history does not hold yet."""
        return {key: when for key, when in self.known.items() if key not in applied}


def django_history_table() -> sa.Table:
    """Django's history table, as Django creates it (only the columns read here)."""
    import sqlalchemy as sa

    return sa.Table(
        DJANGO_HISTORY_TABLE,
        sa.MetaData(),
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("app", sa.String(255)),
        sa.Column("name", sa.String(255)),
        sa.Column("applied", sa.DateTime(timezone=True)),
    )


def read_django_history(connection: Connection, loader: MigrationLoader) -> DjangoHistory:
    """The rows of ``django_migrations`` (none when the table does not exist)."""
    import sqlalchemy as sa

    if not sa.inspect(connection).has_table(DJANGO_HISTORY_TABLE):
        return DjangoHistory({}, ())
    table = django_history_table()
    rows = connection.execute(
        sa.select(table.c.app, table.c.name, table.c.applied).order_by(table.c.id)
    )
    known: dict[Key, datetime.datetime] = {}
    unknown: list[Key] = []
    for app, name, applied in rows:
        if (app, name) in loader.disk_migrations:
            known[(app, name)] = _as_utc(applied)
        else:
            unknown.append((app, name))
    return DjangoHistory(known, tuple(unknown))


def refuse_unadopted(
    history: DjangoHistory, applied: set[Key], planned: set[Key], alias: str
) -> None:
    """Stop a plain migrate that would run again (over existing tables) migrations Django
    recorded as applied; ``planned`` are the migrations it would apply."""
    pending = {key: when for key, when in history.to_adopt(applied).items() if key in planned}
    if not pending:
        return
    raise DjangoHistoryFound(
        f"Database '{alias}' was migrated by Django: its {DJANGO_HISTORY_TABLE} table records "
        f"{_listed(pending)}, which schemashift has not recorded as applied. Run "
        "'migrate --adopt-django-history' to check the tables against those migrations, record "
        "them as applied and apply the rest. Nothing was changed."
    )


def adopt(
    connection: Connection,
    loader: MigrationLoader,
    recorder: MigrationRecorder,
    history: DjangoHistory,
    applied: set[Key],
    alias: str,
) -> list[Key]:
    """Record the Django rows schemashift has not recorded yet, after checking that the live
    tables are those the migrations imply; refuse (touching nothing) when they are not.

    Returns the adopted keys in Django's order.
    """
    pending = history.to_adopt(applied)
    if not pending:
        return []
    together = applied | set(pending)
    loader.check_consistent_history(together, alias)
    check = check_schema(connection, loader, together)
    if check.differences:
        raise DjangoHistoryMismatch(
            f"Cannot adopt the Django history of database '{alias}' ({_listed(pending)}): the "
            "tables are not those the migrations imply: "
            + "; ".join(check.differences)
            + ". Nothing was recorded or changed. Make the tables match the migration files "
            "(or the files match the tables), then run migrate --adopt-django-history again."
        )
    if connection.in_transaction():
        connection.commit()
    _add_indexes(connection, check.indexes_to_add)
    recorder.ensure_schema(connection)
    for (app, name), when in pending.items():
        # the tables were checked against these files: their checksums are the ones applied
        checksum = migration_checksum(loader.disk_migrations[(app, name)])
        recorder.record_applied(app, name, connection, applied=when, checksum=checksum)
    if connection.in_transaction():
        connection.commit()
    return list(pending)


@dataclass(frozen=True)
class SchemaCheck:
    """How the live tables compare with those a state implies."""

    #: one sentence per difference that stops the adoption
    differences: list[str]
    #: ``(table, index)``: the index schemashift gives a foreign key column, where the live
    #: table has the key but not the index (Django on MySQL leaves the key InnoDB's own)
    indexes_to_add: list[tuple[str, IndexInfo]]


def check_schema(connection: Connection, loader: MigrationLoader, keys: set[Key]) -> SchemaCheck:
    """Compare the live tables with those the migrations ``keys`` (and their dependencies)
    imply; only the tables of that state are read."""
    # A loader that knows ``keys`` as applied: a squash replaces the migrations Django
    # recorded one by one only once they all are.
    loader = MigrationLoader(list(loader.app_configs.values()), applied=keys)
    graph = loader.graph
    squash_of = {
        tuple(replaced): key
        for key, squash in loader.replacements.items()
        if key in graph.nodes
        for replaced in squash.replaces
    }
    nodes = sorted({squash_of.get(key, key) for key in keys} & set(graph.nodes))
    leaves = [key for key in nodes if not (graph.node_map[key].children_keys() & set(nodes))]
    state = loader.project_state(leaves, at_end=True)
    expected = expected_schema(state, connection.dialect)
    differences: list[str] = []
    to_add: list[tuple[str, IndexInfo]] = []
    for name in expected.table_names():
        live = introspect_table(connection, name)
        wanted = expected.tables[name]
        if live is not None:
            missing = _foreign_key_indexes(live, wanted)
            indexes = {**live.indexes, **missing}
            if connection.dialect.name == "postgresql":
                indexes = {
                    index_name: index
                    for index_name, index in indexes.items()
                    if not _is_pattern_ops_index(index, wanted)
                }
            completed = replace(live, indexes=indexes)
            if completed == wanted:
                to_add.extend((name, index) for index in missing.values())
                continue
        differences.extend(table_differences(name, live, wanted))
    return SchemaCheck(differences, to_add)


def _foreign_key_indexes(live: TableInfo, expected: TableInfo) -> dict[str, IndexInfo]:
    """The expected one-column indexes on a foreign key column that the live table lacks
    while it has the key (whose constraint then keeps an index of the database's own)."""
    key_columns = {key.column for key in live.foreign_keys}
    return {
        name: index
        for name, index in expected.indexes.items()
        if name not in live.indexes
        and not index.unique
        and len(index.columns) == 1
        and index.columns[0] in key_columns
    }


def _is_pattern_ops_index(index: IndexInfo, expected: TableInfo) -> bool:
    """Whether ``index`` is one of the ``..._like`` indexes Django adds on PostgreSQL beside a
    unique or indexed text column, for ``LIKE 'abc%'`` lookups, which the state does not imply
    (schemashift makes those it implies; others it finds, it leaves alone)."""
    return (
        index.name.endswith("_like")
        and index.name not in expected.indexes
        and not index.unique
        and len(index.columns) == 1
        and index.columns[0] in expected.columns
    )


def _add_indexes(connection: Connection, indexes: list[tuple[str, IndexInfo]]) -> None:
    """Create the foreign key indexes schemashift's later migrations expect by name."""
    if not indexes:
        return
    from schemashift.db.connection import schema_editor

    with schema_editor(connection, atomic=False) as editor:
        for table, index in indexes:
            editor.run(editor.create_index_sql(index.name, table, list(index.columns)))


def _listed(keys: dict[Key, Any]) -> str:
    names = [f"{app}.{name}" for app, name in keys]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{len(names)} migration{'s' if len(names) != 1 else ''} ({shown})"


def _as_utc(value: datetime.datetime | str | None) -> datetime.datetime:
    # Django stores UTC; SQLite and MySQL keep no time zone with it.
    if value is None:
        return timezone.now()
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


__all__ = [
    "DJANGO_HISTORY_TABLE",
    "DjangoHistory",
    "adopt",
    "read_django_history",
    "refuse_unadopted",
    "check_schema",
]
