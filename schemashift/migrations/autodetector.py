"""Compare two project states and write the migrations that turn one into the other.

``MigrationAutodetector(from_state, to_state, questioner).changes(graph_leaves, ...)`` is what
makemigrations calls. It works in four steps, as Django's does:

1. generate operations per app, each with the dependencies it needs (a model created before a
   relation points at it, a unique_together group dropped before its field, ...);
2. order each app's operations topologically (graphlib, fed in generation order);
3. cut them into migrations, splitting an app only where another app's operations must run in
   between (relations in a cycle across apps), and optimize each migration;
4. number and name the migrations after each app's current leaf.

Everything iterates in sorted order, so the same states always give the same migrations.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING, Any

from schemashift import conf
from schemashift.migrations.comparable import comparable, field_signature
from schemashift.migrations.dependency import (
    ALTER,
    CREATE,
    HISTORY,
    INDEX_DROPPED,
    REMOVE,
    TOGETHER_DROPPED,
    Dependency,
)
from schemashift.migrations.migration import Migration
from schemashift.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterConstraint,
    AlterField,
    AlterModelManagers,
    AlterModelOptions,
    AlterModelTable,
    AlterModelTableComment,
    AlterOrderWithRespectTo,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    Operation,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameIndex,
    RenameModel,
)
from schemashift.migrations.operations.fields import renamed_term
from schemashift.migrations.operations.models import NON_SCHEMA_OPTIONS
from schemashift.migrations.optimizer import MigrationOptimizer
from schemashift.migrations.questioner import MigrationQuestioner
from schemashift.migrations.state import ORDER_FIELD, ModelState, ProjectState
from schemashift.migrations.swappable import SETTING_DEPENDENCY
from schemashift.models.constraints import BaseConstraint
from schemashift.models.fields import NOT_PROVIDED, Field
from schemashift.models.indexes import Index

if TYPE_CHECKING:
    from schemashift.migrations.graph import MigrationGraph

ModelKey = tuple[str, str]
FieldKey = tuple[str, str, str]


@dataclass(eq=False)
class _Step:
    """A generated operation with what it needs and what it provides."""

    app_label: str
    operation: Operation
    order: int
    dependencies: list[Dependency]
    provides: set[Dependency] = field(default_factory=set)


class MigrationAutodetector:
    """Work out the operations that take ``from_state`` to ``to_state``.

    ``from_state`` is the state the migration files build; ``to_state`` the state of the
    models now. The questioner is asked about renames and missing defaults.
    """

    def __init__(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        questioner: MigrationQuestioner | None = None,
    ):
        self.from_state = from_state
        self.to_state = to_state
        self.questioner = questioner if questioner is not None else MigrationQuestioner()

    # -- public API -------------------------------------------------------------------------

    def changes(
        self,
        graph_leaves: dict[str, str | None],
        trim_to_apps: Iterable[str] | None = None,
        migration_name: str | None = None,
        graph: MigrationGraph | None = None,
        staged: bool = False,
    ) -> dict[str, list[Migration]]:
        """New migrations per app label, numbered after each app's leaf, with dependencies.

        ``graph_leaves`` maps an app label to its current leaf migration name (None or absent:
        the app has no migrations). ``trim_to_apps`` keeps only those apps, plus the apps
        whose new migrations they depend on. ``migration_name`` replaces suggested names.
        ``graph``, the migrations so far, tells which apps' migrations ever pointed a relation
        at a model that is renamed or deleted now (``from_state`` knows only today's).
        ``staged`` splits renames and type changes into expand and contract (``staging.py``).
        """
        trim = set(trim_to_apps) if trim_to_apps else None
        changes = self.detect_changes(graph_leaves, graph)
        if staged:
            from schemashift.migrations.staging import split_staged

            changes = split_staged(changes, self.from_state)
        changes = self.arrange_for_graph(changes, graph_leaves, migration_name, trim or set())
        if trim is not None:
            changes = _trim_to_apps(changes, trim)
        return changes

    def detect_changes(
        self,
        graph_leaves: dict[str, str | None] | None = None,
        graph: MigrationGraph | None = None,
    ) -> dict[str, list[Migration]]:
        """Unnamed migrations (``auto_1``, ...) per app, ordered, split and optimized."""
        leaves = graph_leaves or {}
        generator = _Generator(self.from_state, self.to_state, self.questioner, graph)
        steps = generator.generate()
        ordered = _sort_steps(steps)
        migrations = _MigrationBuilder(ordered, leaves).build()
        optimizer = MigrationOptimizer()
        for app_label, app_migrations in migrations.items():
            for migration in app_migrations:
                migration.operations = optimizer.optimize(migration.operations, app_label)
        return migrations

    def arrange_for_graph(
        self,
        changes: dict[str, list[Migration]],
        graph_leaves: dict[str, str | None],
        migration_name: str | None = None,
        specified_apps: Iterable[str] = (),
    ) -> dict[str, list[Migration]]:
        """Name the migrations ``NNNN_name`` after each app's leaf and fix dependencies."""
        specified = set(specified_apps)
        name_map: dict[tuple[str, str], tuple[str, str]] = {}
        arranged: dict[str, list[Migration]] = {}
        for app_label in sorted(changes):
            migrations = changes[app_label]
            leaf = graph_leaves.get(app_label)
            if leaf is None and not (
                app_label in specified or self.questioner.ask_initial(app_label)
            ):
                for migration in migrations:
                    name_map[migration.key] = (app_label, "__first__")
                continue
            number = 1 if leaf is None else (self.parse_number(leaf) or 0) + 1
            for position, migration in enumerate(migrations):
                if position == 0 and leaf is not None:
                    migration.dependencies.append((app_label, leaf))
                old_key = migration.key
                migration.name = _migration_file_name(
                    number, migration, migration_name, first_of_new_app=position == 0 and not leaf
                )
                name_map[old_key] = migration.key
                number += 1
            arranged[app_label] = migrations
        for migrations in arranged.values():
            for migration in migrations:
                migration.dependencies = sorted(
                    {name_map.get(dependency, dependency) for dependency in migration.dependencies}
                )
        return arranged

    @staticmethod
    def parse_number(name: str) -> int | None:
        """The number a migration name starts with; for ``0001_squashed_0004_x``, 4."""
        squashed = re.search(r".*_squashed_(\d+)", name)
        if squashed:
            return int(squashed[1])
        match = re.match(r"^\d+", name)
        return int(match[0]) if match else None


def _migration_file_name(
    number: int, migration: Migration, migration_name: str | None, first_of_new_app: bool
) -> str:
    if migration_name:
        suffix = migration_name
    elif first_of_new_app:
        suffix = "initial"
    else:
        suffix = migration.suggest_name()[:100]
    return f"{number:04d}_{suffix}"


def _trim_to_apps(
    changes: dict[str, list[Migration]], app_labels: set[str]
) -> dict[str, list[Migration]]:
    """Keep the named apps' migrations and the new migrations they depend on."""
    new_keys = {m.key: m for migrations in changes.values() for m in migrations}
    keep = {key for key in new_keys if key[0] in app_labels}
    todo = list(keep)
    while todo:
        for dependency in new_keys[todo.pop()].dependencies:
            if dependency in new_keys and dependency not in keep:
                keep.add(dependency)
                todo.append(dependency)
    trimmed = {
        app_label: [m for m in migrations if m.key in keep]
        for app_label, migrations in changes.items()
    }
    return {app_label: migrations for app_label, migrations in trimmed.items() if migrations}


# -- generation ---------------------------------------------------------------------------


class _Generator:
    """Generate the operations of one comparison, each with its dependencies."""

    def __init__(
        self,
        from_state: ProjectState,
        to_state: ProjectState,
        questioner: MigrationQuestioner,
        graph: MigrationGraph | None = None,
    ):
        self.from_state = from_state
        self.to_state = to_state
        self.questioner = questioner
        self.graph = graph
        self._past_referrers: dict[str, set[str]] | None = None
        self.old_keys = set(from_state.models)
        self.new_keys = set(to_state.models)
        self.renamed_models: dict[ModelKey, ModelKey] = {}  # new key -> old key
        self.renamed_labels: dict[str, str] = {}  # "app.old" -> "app.new"
        self.renamed_fields: dict[FieldKey, str] = {}  # new field key -> old field name
        self.head: list[_Step] = []
        self.body: list[_Step] = []

    def generate(self) -> list[_Step]:
        """Every step, in generation order: created models first, as Django does."""
        self._renamed_models()
        # a model that becomes a proxy, or stops being one, is deleted and created again
        switched = {
            key
            for key in self.old_keys & self.new_keys
            if self.old_model(key).is_proxy != self.new_model(key).is_proxy
        }
        self.kept = sorted(self.old_keys & self.new_keys - switched)
        self.deleted_keys = sorted(self.old_keys - self.new_keys | switched)
        self.created_keys = sorted(self.new_keys - self.old_keys | switched)
        self._deleted_models()
        self._created_models()
        self._prepare_fields()
        self._detect_renamed_fields()
        self._altered_options()
        self._altered_managers()
        self._altered_db_table_comments()
        self._removed_constraints()
        self._removed_indexes()
        self._renamed_fields()
        self._renamed_indexes()
        self._removed_unique_together()
        self._removed_fields()
        self._added_fields()
        self._altered_fields()
        self._altered_order_with_respect_to()
        self._added_unique_together()
        self._added_indexes()
        self._added_constraints()
        self._altered_constraints()
        self._altered_db_tables()
        steps = self.head + self.body
        for order, step in enumerate(steps):
            step.order = order
            step.provides |= step.operation.provides(step.app_label)
            model_key = (step.app_label, step.operation.model_name_lower)
            if model_key in self.renamed_models:
                step.dependencies.append(Dependency(*model_key, None, CREATE))
        return steps

    def _add(
        self,
        app_label: str,
        operation: Operation,
        dependencies: Iterable[Dependency] = (),
        provides: Iterable[Dependency] = (),
        head: bool = False,
    ) -> None:
        step = _Step(app_label, operation, 0, list(dependencies), set(provides))
        (self.head if head else self.body).append(step)

    def old_model(self, key: ModelKey) -> ModelState:
        return self.from_state.models[self.renamed_models.get(key, key)]

    def new_model(self, key: ModelKey) -> ModelState:
        return self.to_state.models[key]

    # -- models -----------------------------------------------------------------------------

    def _renamed_models(self) -> None:
        for key in sorted(self.new_keys - self.old_keys):
            new = self.new_model(key)
            if new.is_proxy:
                continue
            for old_key in sorted(self.old_keys - self.new_keys):
                if old_key[0] != key[0]:
                    continue
                old = self.from_state.models[old_key]
                if old.is_proxy:
                    continue
                if not self._same_shape(old_key, old, key, new):
                    continue
                if self.questioner.ask_rename_model(old, new):
                    # The relations it carries already exist, or are altered by later
                    # operations that wait for their targets; but the other apps' migrations
                    # that name the old model must run first.
                    needs = self._referrers_history(old_key)
                    self._add(key[0], RenameModel(old.name, new.name), needs)
                    self.renamed_models[key] = old_key
                    self.renamed_labels[_label(old_key)] = _label(key)
                    self.old_keys.remove(old_key)
                    self.old_keys.add(key)
                    break

    def _same_shape(
        self, old_key: ModelKey, old: ModelState, key: ModelKey, new: ModelState
    ) -> bool:
        """Equal field definitions in name order (names aside, as in Django).

        Relation targets compare after the renames so far and this candidate; a target
        that is itself a removed model on one side and an added model on the other may be
        renamed later, so it matches too.
        """
        if len(old.fields) != len(new.fields):
            return False
        relabel = {**self.renamed_labels, _label(old_key): _label(key)}
        removed = {_label(k) for k in self.old_keys - self.new_keys}
        added = {_label(k) for k in self.new_keys - self.old_keys}
        for old_name, new_name in zip(sorted(old.fields), sorted(new.fields), strict=True):
            old_field, new_field = old.fields[old_name], new.fields[new_name]
            old_signature = _signature(old_field, relabel)
            new_signature = _signature(new_field, {})
            if old_signature == new_signature:
                continue
            in_flux = (
                old_field.is_relation
                and new_field.is_relation
                and _relation_label(old_field) in removed
                and _relation_label(new_field) in added
            )
            if not in_flux or _without_target(old_signature) != _without_target(new_signature):
                return False
        return True

    def _created_models(self) -> None:
        """CreateModel without relations; each relation is an AddField the optimizer folds back.

        Kept apart, a relation can wait for its target, even in another app's migration. The
        order is Django's (creations by name, the rest by name backwards), so the optimizer
        folds the same way and the tables get Django's column order.
        """
        created = self.created_keys
        relations = {key: _relation_fields(self.new_model(key)) for key in created}
        for key in created:
            model = self.new_model(key)
            if model.is_proxy:
                continue
            options = dict(model.options)
            options.pop("indexes", None)
            options.pop("constraints", None)
            options.pop("unique_together", None)
            fields = [
                (n, f)
                for n, f in model.fields.items()
                if n not in relations[key] and not _is_implied_order(model, n)
            ]
            needs = [need for _n, f in fields for need in _field_dependencies(key[0], f)]
            needs.extend(_base_dependencies(model))
            needs.append(Dependency(*key, None, REMOVE))
            operation = CreateModel(model.name, fields, options, model.bases, model.managers)
            self._add(key[0], operation, needs, head=True)
        self._created_proxies()
        for key in reversed(created):
            if not self.new_model(key).is_proxy:
                self._created_model_extras(key, relations[key])

    def _created_proxies(self) -> None:
        """A proxy is one CreateModel without fields, written with Django's options."""
        for key in self.created_keys:
            model = self.new_model(key)
            if not model.is_proxy:
                continue
            options = {**model.options, "indexes": [], "constraints": []}
            operation = CreateModel(model.name, [], options, model.bases, model.managers)
            needs = [Dependency(*key, None, REMOVE), *_base_dependencies(model)]
            self._add(key[0], operation, needs)

    def _created_model_extras(self, key: ModelKey, relations: dict[str, Field]) -> None:
        """A new model's relations, indexes and unique_together, once its fields exist."""
        app_label, model_name = key
        model = self.new_model(key)
        created = Dependency(app_label, model_name, None, CREATE)
        for name in sorted(relations):
            needs = [*_field_dependencies(app_label, relations[name]), created]
            self._add(app_label, AddField(model_name, name, relations[name]), needs)
        needs = [created, *(Dependency(*key, n, CREATE) for n in sorted(relations))]
        for index in model.indexes:
            self._add(app_label, AddIndex(model_name, index), needs)
        for constraint in model.constraints:
            self._add(app_label, AddConstraint(model_name, constraint), needs)
        if model.unique_together:
            self._add(app_label, AlterUniqueTogether(model_name, model.unique_together), needs)

    def _deleted_models(self) -> None:
        """Relations and unique_together go first; a model referenced by others goes last."""
        deleted = self.deleted_keys
        referencing = _referencing_models(self.from_state, deleted)
        new_key_of = {old: new for new, old in self.renamed_models.items()}
        for key in deleted:
            app_label, model_name = key
            model = self.from_state.models[key]
            relations = sorted(n for n, f in model.fields.items() if f.is_relation)
            if model.unique_together:
                dropped = _together_dropped(key, model.unique_together, ())
                self._add(app_label, AlterUniqueTogether(model_name, None), provides=dropped)
            for name in relations:
                needs = [Dependency(*key, name, TOGETHER_DROPPED)]
                self._add(app_label, RemoveField(model_name, name), needs)
            needs = [Dependency(*key, name, REMOVE) for name in relations]
            needs.extend(Dependency(*other, None, REMOVE) for other in referencing.get(key, ()))
            for other, relation in self.from_state.incoming_relations(*key):
                other_key = new_key_of.get(other.key, other.key)
                if other_key != key:
                    needs.append(Dependency(*other_key, relation.name, REMOVE))
                    needs.append(Dependency(*other_key, relation.name, ALTER))
            needs.extend(self._referrers_history(key))
            self._add(app_label, DeleteModel(model.name), needs)

    def _referrers_history(self, key: ModelKey) -> list[Dependency]:
        """The migrations so far of every other app that points, or once pointed, a relation
        at the model: an operation that takes its name away must come after them.

        A migration of another app that created (and perhaps later removed) such a relation
        depends on the model's creation only; without this, a fresh database could replay it
        after the model was renamed or deleted, and find no model to point at.
        """
        apps = {other.app_label for other, _f in self.from_state.incoming_relations(*key)}
        if self.graph is not None:
            if self._past_referrers is None:
                self._past_referrers = _past_referrers(self.graph)
            apps |= self._past_referrers.get(_label(key), set())
        return [Dependency(app, "", None, HISTORY) for app in sorted(apps - {key[0]})]

    def _altered_options(self) -> None:
        for key in self.kept:
            old, new = self.old_model(key), self.new_model(key)
            renames = self._field_renames(key)
            old_options = _non_schema_options(old.options, renames)
            new_options = _non_schema_options(new.options, {})
            if comparable(old_options) != comparable(new_options):
                self._add(key[0], AlterModelOptions(key[1], new_options))

    def _altered_db_table_comments(self) -> None:
        for key in self.kept:
            old = self.old_model(key).options.get("db_table_comment")
            new = self.new_model(key).options.get("db_table_comment")
            if old != new:
                self._add(key[0], AlterModelTableComment(key[1], new))

    def _altered_order_with_respect_to(self) -> None:
        for key in self.kept:
            old = self.old_model(key).options.get("order_with_respect_to")
            new = self.new_model(key).options.get("order_with_respect_to")
            if old != new:
                needs = [Dependency(*key, new, CREATE)] if new else []
                self._add(key[0], AlterOrderWithRespectTo(key[1], new), needs)

    def _altered_managers(self) -> None:
        for key in self.kept:
            old, new = self.old_model(key).managers, self.new_model(key).managers
            if self.new_model(key).is_proxy:
                continue  # as in Django, which leaves a proxy's managers as first written
            if comparable(old) != comparable(new):
                self._add(key[0], AlterModelManagers(key[1], new))

    def _altered_db_tables(self) -> None:
        for key in self.kept:
            old_table = self.old_model(key).options.get("db_table")
            new_table = self.new_model(key).options.get("db_table")
            if old_table != new_table:
                self._add(key[0], AlterModelTable(key[1], new_table))

    # -- fields -----------------------------------------------------------------------------

    def _prepare_fields(self) -> None:
        self.old_fields = {
            (*key, n)
            for key in self.kept
            for n in self.old_model(key).fields
            if not _is_implied_order(self.old_model(key), n)
        }
        self.new_fields = {
            (*key, n)
            for key in self.kept
            for n in self.new_model(key).fields
            if not _is_implied_order(self.new_model(key), n)
        }

    def _field_renames(self, key: ModelKey) -> dict[str, str]:
        """Old field name -> new field name for the confirmed renames on one model."""
        return {
            old: new_key[2] for new_key, old in self.renamed_fields.items() if new_key[:2] == key
        }

    def _detect_renamed_fields(self) -> None:
        """Ask about each added field that matches a removed one on the same model."""
        removed: dict[ModelKey, list[str]] = {}
        for app_label, model_name, name in sorted(self.old_fields - self.new_fields):
            removed.setdefault((app_label, model_name), []).append(name)
        self.confirmed_renames: list[tuple[ModelKey, str, str, Field, Field]] = []
        for app_label, model_name, name in sorted(self.new_fields - self.old_fields):
            key = (app_label, model_name)
            new_field = self.new_model(key).fields[name]
            for old_name in removed.get(key, []):
                old_field = self.old_model(key).fields[old_name]
                if not self._is_rename_candidate(old_field, new_field):
                    continue
                if self.questioner.ask_rename(model_name, old_name, name, new_field):
                    removed[key].remove(old_name)
                    self.renamed_fields[(*key, name)] = old_name
                    self.old_fields.remove((*key, old_name))
                    self.old_fields.add((*key, name))
                    self.confirmed_renames.append((key, old_name, name, old_field, new_field))
                    break

    def _renamed_fields(self) -> None:
        for key, old_name, name, old_field, new_field in self.confirmed_renames:
            if old_field.db_column != new_field.db_column:
                # Keep the old column first, so the rename itself changes no column.
                self._add(key[0], AlterField(key[1], old_name, new_field.clone()))
            self._add(key[0], RenameField(key[1], old_name, name))

    def _is_rename_candidate(self, old_field: Field, new_field: Field) -> bool:
        old_signature = _signature(old_field, self.renamed_labels)
        new_signature = _signature(new_field, {})
        if old_signature == new_signature:
            return True
        if old_field.column is None or new_field.db_column != old_field.column:
            return False
        with_column = dict(old_signature[2], db_column=old_field.column)
        return old_signature[:2] == new_signature[:2] and with_column == dict(new_signature[2])

    def _removed_fields(self) -> None:
        for app_label, model_name, name in sorted(self.old_fields - self.new_fields):
            needs = [
                Dependency(app_label, model_name, name, TOGETHER_DROPPED),
                Dependency(app_label, model_name, name, INDEX_DROPPED),
            ]
            self._add(app_label, RemoveField(model_name, name), needs)

    def _added_fields(self) -> None:
        for app_label, model_name, name in sorted(self.new_fields - self.old_fields):
            new_field = self.new_model((app_label, model_name)).fields[name]
            needs = [
                Dependency(app_label, model_name, name, REMOVE),
                *_field_dependencies(app_label, new_field),
            ]
            if new_field.generated:
                needs.extend(self._generated_field_dependencies(new_field))
            operation = self._add_field_operation(model_name, name, new_field)
            self._add(app_label, operation, needs)

    def _generated_field_dependencies(self, new_field: Field) -> list[Dependency]:
        """As Django: a GeneratedField comes after the new fields its expression names, and
        after every new relation (which may be what a name reaches through)."""
        referenced = _referenced_names(new_field.expression)
        needs = []
        for app_label, model_name, name in sorted(self.new_fields - self.old_fields):
            added = self.new_model((app_label, model_name)).fields[name]
            if added.is_relation or name in referenced:
                needs.append(Dependency(app_label, model_name, name, CREATE))
        return needs

    def _add_field_operation(self, model_name: str, name: str, new_field: Field) -> AddField:
        """AddField, asking for a one-off default when existing rows need a value."""
        if _can_fill_existing_rows(new_field):
            operation = AddField(model_name, name, new_field)
        else:
            if getattr(new_field, "auto_now_add", False):
                default = self.questioner.ask_auto_now_add_addition(name, model_name)
            else:
                default = self.questioner.ask_not_null_addition(name, model_name)
            operation = AddField(model_name, name, _with_default(new_field, default), False)
        added = operation.field
        if added.unique and added.has_default() and callable(added.default):
            self.questioner.ask_unique_callable_default_addition(name, model_name)
        return operation

    def _altered_fields(self) -> None:
        for field_key in sorted(self.old_fields & self.new_fields):
            app_label, model_name, name = field_key
            old_name = self.renamed_fields.get(field_key, name)
            if old_name != name:
                continue  # a confirmed rename differs at most in db_column, handled there
            old_field = self.old_model((app_label, model_name)).fields[name]
            new_field = self.new_model((app_label, model_name)).fields[name]
            if _signature(old_field, self.renamed_labels) == _signature(new_field, {}):
                continue
            if old_field.generated or new_field.generated:
                # a generated column cannot be altered: removed, then added anew (as Django)
                self._add(app_label, RemoveField(model_name, name), [])
                operation = self._add_field_operation(model_name, name, new_field)
                needs = [
                    Dependency(app_label, model_name, name, REMOVE),
                    *_field_dependencies(app_label, new_field),
                    *self._generated_field_dependencies(new_field),
                ]
                self._add(app_label, operation, needs)
                continue
            operation = AlterField(model_name, name, new_field)
            fills_nulls = new_field.has_default() or new_field.has_db_default()
            if old_field.null and not new_field.null and not fills_nulls:
                default = self.questioner.ask_not_null_alteration(name, model_name)
                if default is not None and default is not NOT_PROVIDED:
                    field_with_default = _with_default(new_field, default)
                    operation = AlterField(model_name, name, field_with_default, False)
            self._add(app_label, operation, _field_dependencies(app_label, new_field))

    # -- unique_together and indexes --------------------------------------------------------

    def _together_change(self, key: ModelKey) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
        """The old groups (after field renames) and the new groups of one model."""
        renames = self._field_renames(key)
        old = {tuple(renames.get(n, n) for n in g) for g in self.old_model(key).unique_together}
        return old, set(self.new_model(key).unique_together)

    def _removed_unique_together(self) -> None:
        for key in self.kept:
            old, new = self._together_change(key)
            kept_groups = old & new
            if kept_groups != old:
                dropped = _together_dropped(key, old, kept_groups)
                operation = AlterUniqueTogether(key[1], kept_groups)
                self._add(key[0], operation, provides=dropped)

    def _added_unique_together(self) -> None:
        for key in self.kept:
            old, new = self._together_change(key)
            if new != old & new:
                model = self.new_model(key)
                names = sorted({model.get_field(n).name for group in new for n in group})
                needs = [Dependency(*key, n, CREATE) for n in names]
                for name in names:
                    needs.extend(_field_dependencies(key[0], model.fields[name]))
                self._add(key[0], AlterUniqueTogether(key[1], new), needs)

    def _index_change(self, key: ModelKey) -> tuple[list[Index], list[Index]]:
        """Indexes removed from and added to one model (compared after field renames), those
        only renamed left out (RenameIndex)."""
        removed, added = self._raw_index_change(key)
        renames = self._index_renames(key, removed, added)
        renamed_old = {id(old_index) for old_index, _new, _fields in renames}
        renamed_new = {id(new_index) for _old, new_index, _fields in renames}
        removed = [index for index in removed if id(index) not in renamed_old]
        added = [index for index in added if id(index) not in renamed_new]
        return removed, added

    def _raw_index_change(self, key: ModelKey) -> tuple[list[Index], list[Index]]:
        """Indexes removed from and added to one model (compared after field renames)."""
        renames = self._field_renames(key)
        old = {}
        for index in self.old_model(key).indexes:
            renamed = index.clone()
            renamed.fields = [renamed_term(f, renames) for f in index.fields]
            old[(index.name, repr(comparable(renamed)))] = index
        new = {
            (index.name, repr(comparable(index))): index for index in self.new_model(key).indexes
        }
        removed = [old[k] for k in sorted(old) if k not in new]
        added = [new[k] for k in sorted(new) if k not in old]
        return removed, added

    def _index_renames(
        self, key: ModelKey, removed: list[Index], added: list[Index]
    ) -> list[tuple[Index | None, Index, tuple[str, ...] | None]]:
        """Indexes only renamed (Django's ``create_altered_indexes``): (old index, new index,
        None); and an index_together group now a Meta index of only its fields: (None, new
        index, group), which RenameIndex(old_fields=...) names."""
        found: list[tuple[Index | None, Index, tuple[str, ...] | None]] = []

        def unnamed(index: Index) -> Any:
            path, args, kwargs = index.deconstruct()
            return comparable((path, args, {k: v for k, v in kwargs.items() if k != "name"}))

        taken: set[int] = set()
        for new_index in added:
            for old_index in removed:
                if id(old_index) not in taken and unnamed(old_index) == unnamed(new_index):
                    taken.add(id(old_index))
                    found.append((old_index, new_index, None))
                    break
        groups = self.old_model(key).options.get("index_together") or ()
        matched = {id(new_index) for _o, new_index, _f in found}
        for group in sorted(tuple(g) for g in groups):
            candidates = [
                index
                for index in added
                if id(index) not in matched
                and not index.expressions
                and index.fields == list(group)
                and set(index.deconstruct()[2]) == {"name", "fields"}
            ]
            if len(candidates) == 1:
                found.append((None, candidates[0], group))
        return found

    def _renamed_indexes(self) -> None:
        for key in self.kept:
            removed, added = self._raw_index_change(key)
            for old_index, new_index, fields in self._index_renames(key, removed, added):
                operation = RenameIndex(
                    key[1],
                    new_name=new_index.name,
                    old_name=old_index.name if old_index else None,
                    old_fields=fields,
                )
                self._add(key[0], operation)

    def _removed_indexes(self) -> None:
        for key in self.kept:
            for index in self._index_change(key)[0]:
                dropped = [Dependency(*key, name, INDEX_DROPPED) for name, _ in index.fields_orders]
                self._add(key[0], RemoveIndex(key[1], index.name), provides=dropped)

    def _constraint_change(
        self, key: ModelKey
    ) -> tuple[list[BaseConstraint], list[BaseConstraint], list[BaseConstraint]]:
        """Constraints removed from, added to and altered on one model, as Django's
        ``create_altered_constraints``: a change of only the violation error message or
        code alters it; any other change removes and adds it."""
        old = self.old_model(key).constraints
        new = self.new_model(key).constraints
        altered = [
            c
            for c in new
            if any(
                o.name == c.name and comparable(o) != comparable(c) and _same_in_database(o, c)
                for o in old
            )
        ]
        altered_names = {c.name for c in altered}
        old_forms = [comparable(c) for c in old]
        new_forms = [comparable(c) for c in new]
        added = [
            c
            for c, form in zip(new, new_forms, strict=True)
            if form not in old_forms and c.name not in altered_names
        ]
        removed = [
            c
            for c, form in zip(old, old_forms, strict=True)
            if form not in new_forms and c.name not in altered_names
        ]
        return removed, added, altered

    def _removed_constraints(self) -> None:
        for key in self.kept:
            for constraint in self._constraint_change(key)[0]:
                dropped = [
                    Dependency(*key, name, INDEX_DROPPED)
                    for name in sorted(constraint.referenced_fields())
                ]
                self._add(key[0], RemoveConstraint(key[1], constraint.name), provides=dropped)

    def _added_constraints(self) -> None:
        for key in self.kept:
            for constraint in self._constraint_change(key)[1]:
                needs = [
                    Dependency(*key, name, CREATE)
                    for name in sorted(constraint.referenced_fields())
                ]
                self._add(key[0], AddConstraint(key[1], constraint), needs)

    def _altered_constraints(self) -> None:
        for key in self.kept:
            for constraint in self._constraint_change(key)[2]:
                self._add(key[0], AlterConstraint(key[1], constraint.name, constraint))

    def _added_indexes(self) -> None:
        for key in self.kept:
            for index in self._index_change(key)[1]:
                needs = [Dependency(*key, name, CREATE) for name, _ in index.fields_orders]
                self._add(key[0], AddIndex(key[1], index), needs)


# -- helpers for generation ---------------------------------------------------------------


def _same_in_database(old: BaseConstraint, new: BaseConstraint) -> bool:
    """Whether two constraints differ only in what the database does not hold."""

    def database_form(constraint: BaseConstraint) -> Any:
        path, args, kwargs = constraint.deconstruct()
        kept = {k: v for k, v in kwargs.items() if k not in constraint.non_db_attrs}
        return comparable((path, args, kept))

    return database_form(old) == database_form(new)


def _is_implied_order(model: ModelState, name: str) -> bool:
    """``_order``, which ``order_with_respect_to`` adds and AlterOrderWithRespectTo changes."""
    return name == ORDER_FIELD and bool(model.options.get("order_with_respect_to"))


def _base_dependencies(model: ModelState) -> list[Dependency]:
    """A child of multi-table inheritance or a proxy needs its parents created first."""
    needs = []
    for base in model.bases:
        app_label, _, name = base.partition(".")
        needs.append(Dependency(app_label, name, None, CREATE))
    return needs


def _label(key: ModelKey) -> str:
    return f"{key[0]}.{key[1]}"


def _relation_label(relation: Field) -> str:
    """A relation's target as ``app.model`` (model lower-cased), however it was written."""
    to = relation.to or ""
    return _label(relation.related_model_key) if "." in to else to.lower()


def _signature(model_field: Field, relabel: dict[str, str]) -> tuple[Any, ...]:
    """``field_signature`` compared by value, the relation target normalised and renamed."""
    path, args, kwargs = field_signature(model_field)
    if model_field.is_relation:
        target = _relation_label(model_field)
        target = relabel.get(target, target)
        kwargs = tuple((k, target if k == "to" else v) for k, v in kwargs)
    return path, comparable(args), tuple((k, comparable(v)) for k, v in kwargs)


def _without_target(signature: tuple[Any, ...]) -> tuple[Any, ...]:
    path, args, kwargs = signature
    return path, args, tuple((k, v) for k, v in kwargs if k != "to")


def _referenced_names(expression: Any) -> set[str]:
    """The field names an expression's ``F()`` references (and bare strings) start with."""
    if isinstance(expression, str):
        return {expression.split("__")[0]}
    name = getattr(expression, "name", None)
    if isinstance(name, str) and type(expression).__name__ in ("F", "OuterRef"):
        return {name.split("__")[0]}
    names: set[str] = set()
    parts = [
        *getattr(expression, "source_expressions", ()),
        getattr(expression, "lhs", None),
        getattr(expression, "rhs", None),
        getattr(expression, "expression", None),
    ]
    for part in parts:
        if part is not None and not isinstance(part, str):
            names |= _referenced_names(part)
    return names


def _field_dependencies(app_label: str, model_field: Field) -> list[Dependency]:
    """A relation needs its target model to exist."""
    if not model_field.is_relation or not model_field.to:
        return []
    target_app, target_model = model_field.related_model_key
    if not target_model:  # "Model" without an app label: the same app
        target_app, target_model = app_label, (model_field.to or "").lower()
    needs = [Dependency(target_app, target_model, None, CREATE)]
    through = getattr(model_field, "through_model_key", None)
    if through is not None:  # a ManyToManyField's own through model must exist first
        needs.append(Dependency(through[0] or app_label, through[1], None, CREATE))
    return needs


def _swappable_setting(dependency: Dependency) -> str | None:
    """The setting (AUTH_USER_MODEL) naming the model a creation dependency points at."""
    if dependency.kind != CREATE or dependency.field_name is not None:
        return None
    return conf.swappable_setting_for(f"{dependency.app_label}.{dependency.model_name}")


def _past_referrers(graph: MigrationGraph) -> dict[str, set[str]]:
    """``app.model`` -> the other apps whose migrations point a relation at it, under any name
    a RenameModel gave it (so a relation written to its old name counts)."""
    referrers: dict[str, set[str]] = {}
    aliases: dict[str, set[str]] = {}
    for migration in graph.nodes.values():
        if migration is None:
            continue
        app_label = migration.app_label
        for operation in migration.operations:
            if isinstance(operation, RenameModel):
                names = {
                    _label((app_label, n.lower())) for n in (operation.old_name, operation.new_name)
                }
                merged = set().union(*(aliases.get(n, {n}) for n in names))
                for name in merged:
                    aliases[name] = merged
            for relation in _operation_relations(operation):
                for target in _field_dependencies(app_label, relation):
                    if target.app_label != app_label:
                        label = _label((target.app_label, target.model_name))
                        referrers.setdefault(label, set()).add(app_label)
    for merged in {id(group): group for group in aliases.values()}.values():
        apps = set().union(*(referrers.get(name, set()) for name in merged))
        for name in merged:
            referrers[name] = apps
    return referrers


def _operation_relations(operation: Operation) -> list[Field]:
    """The relation fields an operation writes (CreateModel, AddField, AlterField)."""
    if isinstance(operation, CreateModel):
        return [f for _n, f in operation.fields if f.is_relation]
    if isinstance(operation, (AddField, AlterField)) and operation.field.is_relation:
        return [operation.field]
    return []


def _relation_fields(model: ModelState) -> dict[str, Field]:
    """The relation fields a new model gets by AddField (a relation primary key stays)."""
    return {n: f for n, f in model.fields.items() if f.is_relation and not f.primary_key}


def _referencing_models(
    state: ProjectState, deleted: list[ModelKey]
) -> dict[ModelKey, list[ModelKey]]:
    """For each deleted model, the other deleted models pointing at it (to be dropped first).

    Empty when the deleted models point at each other in a cycle: then only the relation
    fields are removed first, which is enough.
    """
    gone = set(deleted)
    referencing: dict[ModelKey, list[ModelKey]] = {}
    for key in deleted:
        for other, _relation in state.incoming_relations(*key):
            if other.key in gone and other.key != key and other.key not in referencing.get(key, []):
                referencing.setdefault(key, []).append(other.key)
    sorter = TopologicalSorter({key: referencing.get(key, []) for key in deleted})
    try:
        sorter.prepare()
    except CycleError:
        return {}
    return referencing


def _together_dropped(
    key: ModelKey, old: Iterable[tuple[str, ...]], kept: Iterable[tuple[str, ...]]
) -> list[Dependency]:
    still_named = {name for group in kept for name in group}
    dropped = {name for group in old for name in group} - still_named
    return [Dependency(*key, name, TOGETHER_DROPPED) for name in sorted(dropped)]


def _can_fill_existing_rows(new_field: Field) -> bool:
    """Whether existing rows get a value without asking: NULL, a default (the model's or the
    database's), "" or the clock; a many-to-many field adds no column to fill."""
    return (
        new_field.many_to_many
        or new_field.null
        or new_field.has_default()
        or new_field.has_db_default()
        or new_field.is_blank_text
        or new_field.is_auto
        or bool(getattr(new_field, "auto_now", False))
    )


def _with_default(model_field: Field, default: Any) -> Field:
    """A copy of the field with ``default`` set (a one-off value for existing rows)."""
    name, _path, args, kwargs = model_field.deconstruct()
    kwargs["default"] = default
    copied = type(model_field)(*args, **kwargs)
    if name:
        copied.set_attributes_from_name(name)
    return copied


def _non_schema_options(options: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    # sorted by name, as Django's serializer writes this dictionary
    kept = {key: options[key] for key in sorted(NON_SCHEMA_OPTIONS) if key in options}
    if renames and kept.get("ordering"):
        kept["ordering"] = [renamed_term(term, renames) for term in kept["ordering"]]
    return kept


# -- ordering and splitting ---------------------------------------------------------------


def _sort_steps(steps: list[_Step]) -> dict[str, list[_Step]]:
    """Each app's steps in dependency order; ties go to the earlier generated step."""
    by_app: dict[str, list[_Step]] = {}
    for step in steps:
        by_app.setdefault(step.app_label, []).append(step)
    return {app_label: _topological(by_app[app_label]) for app_label in sorted(by_app)}


def _topological(steps: list[_Step]) -> list[_Step]:
    """graphlib's static order, fed in generation order exactly as Django feeds it."""
    providers: dict[Dependency, list[_Step]] = {}
    for step in steps:
        for provided in step.provides:
            providers.setdefault(provided, []).append(step)
    for dependents in providers.values():
        dependents.sort(key=lambda step: step.order)
    sorter: TopologicalSorter[int] = TopologicalSorter()
    by_order = {step.order: step for step in steps}
    for step in steps:
        sorter.add(step.order)
        for dependency in step.dependencies:
            if dependency.app_label == step.app_label:
                before = [p.order for p in providers.get(dependency, ()) if p is not step]
                sorter.add(step.order, *before)
    return [by_order[order] for order in sorter.static_order()]


class _MigrationBuilder:
    """Cut each app's ordered steps into migrations with cross-app dependencies.

    An app's steps go into one migration once every step's dependencies in other apps are
    settled. When no app can finish, the first app that can make progress is cut short: its
    ready steps become a migration of their own and the rest follows in a later one.
    """

    def __init__(self, ordered: dict[str, list[_Step]], leaves: dict[str, str | None]):
        self.pending = {app_label: deque(steps) for app_label, steps in ordered.items()}
        self.leaves = leaves
        self.providers: dict[Dependency, list[_Step]] = {}
        for steps in ordered.values():
            for step in steps:
                for provided in step.provides:
                    self.providers.setdefault(provided, []).append(step)
        self.placed: dict[int, Migration] = {}  # id(step) -> its migration
        self.placed_keys: set[tuple[str, str]] = set()
        self.migrations: dict[str, list[Migration]] = {}

    def build(self) -> dict[str, list[Migration]]:
        chop = False
        while any(self.pending.values()):
            progressed = False
            for app_label in sorted(self.pending):
                if self._emit(app_label, chop):
                    progressed, chop = True, False
            if not progressed:
                if chop:
                    raise ValueError(f"Cannot resolve operation dependencies: {self.pending!r}")
                chop = True
        for app_label, migrations in self.migrations.items():
            for previous, migration in zip(migrations, migrations[1:], strict=False):
                migration.dependencies.append((app_label, previous.name))
        return {app_label: self.migrations[app_label] for app_label in sorted(self.migrations)}

    def _emit(self, app_label: str, chop: bool) -> bool:
        """Make a migration from the app's ready steps; False if it must wait."""
        queue = self.pending[app_label]
        taken: list[_Step] = []
        dependencies: set[tuple[str, str]] = set()
        while queue:
            needed = self._external_dependencies(app_label, queue[0], chop)
            if needed is None:
                break
            taken.append(queue.popleft())
            dependencies |= needed
        if not taken:
            return False
        if queue and not chop:
            queue.extendleft(reversed(taken))
            return False
        # A new migration of another app already comes after that app's leaf.
        newer = {dependency[0] for dependency in dependencies if dependency in self.placed_keys}
        dependencies = {d for d in dependencies if d[0] not in newer or d in self.placed_keys}
        migrations = self.migrations.setdefault(app_label, [])
        migration = Migration(f"auto_{len(migrations) + 1}", app_label)
        migration.operations = [step.operation for step in taken]
        migration.dependencies = sorted(dependencies)
        self.placed_keys.add(migration.key)
        migration.initial = self.leaves.get(app_label) is None
        migrations.append(migration)
        for step in taken:
            self.placed[id(step)] = migration
        return True

    def _external_dependencies(
        self, app_label: str, step: _Step, chop: bool = False
    ) -> set[tuple[str, str]] | None:
        """The migrations a step needs in other apps; None while one is still pending.

        A model of another app that no step here makes is waited for, as Django waits, while
        that app has steps still to place and none placed yet (unless cutting short): then
        the new migration of that app comes first and is depended on.
        """
        needed: set[tuple[str, str]] = set()
        for dependency in step.dependencies:
            if dependency.app_label == app_label:
                continue
            if dependency.kind == HISTORY:
                leaf = self.leaves.get(dependency.app_label)
                if leaf:
                    needed.add((dependency.app_label, leaf))
                continue
            providers = self.providers.get(dependency, [])
            if any(id(provider) not in self.placed for provider in providers):
                return None
            setting = _swappable_setting(dependency)
            if setting is not None:
                # Django's swappable_dependency(settings.X): whichever model X names
                needed.add((SETTING_DEPENDENCY, setting))
                continue
            for provider in providers:
                needed.add(self.placed[id(provider)].key)
            if not providers and dependency.kind == CREATE and dependency.field_name is None:
                placed = self.migrations.get(dependency.app_label)
                if placed:
                    needed.add(placed[-1].key)
                    continue
                if self.pending.get(dependency.app_label) and not chop:
                    return None
                leaf = self.leaves.get(dependency.app_label)
                needed.add((dependency.app_label, leaf or "__first__"))
        return needed
