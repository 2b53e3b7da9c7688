"""Fold sequences of operations into fewer ones (CreateModel + AddField -> CreateModel).

The algorithm is Django's: each operation is compared with the ones after it; a pair that
reduces is replaced by the result, either where the later one stood (when the earlier one may
move right past everything in between) or where the earlier one stood (when the later one may
move left past everything in between). Passes repeat until nothing changes.

Two differences keep it fast and safe. Only pairs that can interact are compared: an index maps
each model name to the positions of the operations that touch it, so an operation is compared
with the few operations on the same models (plus RunSQL/RunPython-like barriers), not with the
whole list. And one pass performs every reduction it finds instead of restarting after the first.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from schemashift.migrations.operations.base import Operation
from schemashift.migrations.operations.fields import (
    AddField,
    AlterField,
    FieldOperation,
    RemoveField,
    RenameField,
)
from schemashift.migrations.operations.models import (
    NON_SCHEMA_OPTIONS,
    AddIndex,
    AlterModelOptions,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveIndex,
    RenameModel,
)
from schemashift.models.fields import Field
from schemashift.models.indexes import Index

Reduction = list[Operation] | bool


class MigrationOptimizer:
    """Reduce a list of operations of one app to an equivalent, shorter list."""

    def optimize(self, operations: list[Operation], app_label: str) -> list[Operation]:
        """The operations folded until no pair reduces any further."""
        if app_label is None:
            raise TypeError("app_label must be a str.")
        current = list(operations)
        while True:
            reduced, changed = _Pass(current, app_label).run()
            if not changed:
                return reduced
            current = reduced


def reduce_pair(operation: Operation, other: Operation, app_label: str) -> Reduction:
    """What ``operation`` followed (later) by ``other`` folds into.

    A list replaces both; True means ``other`` may move past ``operation`` (they are
    independent); False means neither.
    """
    if type(operation).reduce is not Operation.reduce:
        return operation.reduce(other, app_label)
    if operation.elidable:
        return [other]
    if other.elidable:
        return [operation]
    rule = _RULES.get(type(operation))
    if rule is None:
        return False
    return rule(operation, other, app_label)


# -- the pass -------------------------------------------------------------------------------


class _Pass:
    """One left-to-right sweep over the operations, reducing every pair it can."""

    def __init__(self, operations: list[Operation], app_label: str) -> None:
        self.app_label = app_label
        self.slots: list[Operation | None] = list(operations)
        self.by_name: dict[str, list[int]] = {}
        self.barriers: list[int] = []
        self.changed = False
        for position, operation in enumerate(self.slots):
            self._index(position, operation)

    def run(self) -> tuple[list[Operation], bool]:
        position = 0
        while position < len(self.slots):
            if self.slots[position] is None:
                position += 1
                continue
            outcome = self._reduce_from(position)
            if outcome == "restart":
                return [op for op in self.slots if op is not None], True
            if outcome != "left":
                position += 1
        return [op for op in self.slots if op is not None], self.changed

    def _reduce_from(self, i: int) -> str | None:
        """Reduce slots[i] with the first later operation it folds with, if any."""
        operation = self.slots[i]
        assert operation is not None
        if _is_plain_barrier(operation):
            return self._fold_barrier(i, operation)
        right = True
        for j in self._interacting(i, len(self.slots), operation):
            other = self.slots[j]
            result = reduce_pair(operation, other, self.app_label)
            if isinstance(result, list):
                if not right and not self._may_move_left(i, j, other):
                    return None
                return self._replace(i, j, result, at=j if right else i)
            if not result:
                right = False
        return None

    def _fold_barrier(self, i: int, operation: Operation) -> str | None:
        """A barrier folds only with an elidable operation right after it."""
        j = next((p for p in range(i + 1, len(self.slots)) if self.slots[p] is not None), None)
        if j is None or not self.slots[j].elidable:
            return None
        return self._replace(i, j, [operation], at=j)

    def _may_move_left(self, i: int, j: int, other: Operation) -> bool:
        return all(
            reduce_pair(self.slots[k], other, self.app_label) is True
            for k in self._interacting(i, j, other)
        )

    def _replace(self, i: int, j: int, result: list[Operation], at: int) -> str:
        self.changed = True
        if len(result) > 1:
            # Rare (custom reduce methods): rebuild the list and start a new pass.
            between = [op for op in self.slots[i + 1 : j] if op is not None]
            middle = between + result if at == j else result + between
            self.slots = [*self.slots[:i], *middle, *self.slots[j + 1 :]]
            return "restart"
        self.slots[i] = None
        self.slots[j] = None
        if result:
            self.slots[at] = result[0]
            self._index(at, result[0])
        return "left" if at == i and result else "right"

    def _index(self, position: int, operation: Operation | None) -> None:
        if operation is None:
            return
        names = touched_models(operation)
        if names is None:
            _insert(self.barriers, position)
            return
        for name in names:
            _insert(self.by_name.setdefault(name, []), position)

    def _interacting(self, start: int, end: int, operation: Operation) -> list[int]:
        """Live positions strictly between start and end that ``operation`` may interact with."""
        names = touched_models(operation)
        if names is None:
            return [p for p in range(start + 1, end) if self.slots[p] is not None]
        found: set[int] = set(_between(self.barriers, start, end))
        for name in names:
            found.update(_between(self.by_name.get(name, []), start, end))
        return sorted(p for p in found if self.slots[p] is not None)


def _insert(positions: list[int], position: int) -> None:
    index = bisect_left(positions, position)
    if index == len(positions) or positions[index] != position:
        positions.insert(index, position)


def _between(positions: list[int], start: int, end: int) -> list[int]:
    return positions[bisect_right(positions, start) : bisect_left(positions, end)]


_KNOWN = (
    CreateModel,
    DeleteModel,
    RenameModel,
    AlterModelTable,
    AlterModelOptions,
    AlterUniqueTogether,
    AddIndex,
    RemoveIndex,
    AddField,
    RemoveField,
    AlterField,
    RenameField,
)


# Not a model name: pairs RemoveField with every DeleteModel (the field may point at it).
_DROPS = "<drops>"


def touched_models(operation: Operation) -> frozenset[str] | None:
    """Lower-case names of every model the operation acts on or points at.

    None means "could touch anything": unknown operation types (RunSQL, RunPython, custom
    ones) and elidable operations, which the optimizer compares with everything.
    """
    if operation.elidable or type(operation) not in _KNOWN:
        return None
    fields: list[tuple[str, Field]] = []
    if isinstance(operation, RenameModel):
        names = {operation.old_name.lower(), operation.new_name.lower()}
    elif isinstance(operation, FieldOperation | AddIndex | RemoveIndex):
        names = {operation.model_name.lower()}
        if isinstance(operation, FieldOperation) and operation.field is not None:
            fields = [(operation.name, operation.field)]
    else:
        names = {operation.name.lower()}
        if isinstance(operation, CreateModel):
            fields = operation.fields
    names.update(field.related_model_key[1] for _name, field in fields if field.is_relation)
    if isinstance(operation, RemoveField | DeleteModel):
        names.add(_DROPS)
    return frozenset(names)


def _is_plain_barrier(operation: Operation) -> bool:
    """An operation that folds with nothing but elidable ones (RunSQL, RunPython)."""
    return (
        not operation.elidable
        and type(operation) not in _RULES
        and type(operation).reduce is Operation.reduce
    )


# -- pair rules -----------------------------------------------------------------------------


def _may_pass(
    operation: Operation, other: Operation, app_label: str, names: tuple[str, ...]
) -> bool:
    """Whether ``other`` is independent of ``operation``, which acts on the models ``names``."""
    if any(other.references_model(name, app_label) for name in names):
        return False
    if isinstance(other, DeleteModel | RenameModel):
        # A relation in ``operation`` may point at the model being dropped or renamed.
        others = (other.name,) if isinstance(other, DeleteModel) else (other.old_name,)
        return not any(operation.references_model(name, app_label) for name in others)
    return True


def _reduce_create_model(operation: CreateModel, other: Operation, app_label: str) -> Reduction:
    folded = _fold_into_create(operation, other)
    if folded is not None:
        return folded
    return _may_pass(operation, other, app_label, (operation.name,))


def _fold_into_create(create: CreateModel, other: Operation) -> list[Operation] | None:
    name = create.name_lower
    if isinstance(other, FieldOperation):
        if other.model_name_lower != name:
            return None
        return _fold_field_into_create(create, other)
    if isinstance(other, AddIndex | RemoveIndex):
        if other.model_name.lower() != name:
            return None
        return [_created(create, options=_fold_index(create.options, other))]
    if isinstance(other, RenameModel):
        if other.old_name.lower() != name:
            return None
        return [CreateModel(other.new_name, create.fields, create.options, create.bases)]
    if getattr(other, "name", "").lower() != name:
        return None
    if isinstance(other, DeleteModel):
        return []
    if isinstance(other, AlterModelOptions | AlterModelTable | AlterUniqueTogether):
        return [_created(create, options=_fold_options(create.options, other))]
    return None


def _fold_field_into_create(create: CreateModel, other: FieldOperation) -> list[Operation] | None:
    fields = create.fields
    options = create.options
    if isinstance(other, AddField):
        fields = [*fields, (other.name, _kept_field(other.field, other.preserve_default))]
    elif isinstance(other, AlterField):
        field = _kept_field(other.field, other.preserve_default)
        fields = [(n, field if n == other.name else f) for n, f in fields]
    elif isinstance(other, RemoveField):
        fields = [(n, f) for n, f in fields if n != other.name]
        options = _options_without_field(options, other.name)
    elif isinstance(other, RenameField):
        fields = [(other.new_name if n == other.old_name else n, f) for n, f in fields]
        options = _options_with_renamed_field(options, other.old_name, other.new_name)
    else:
        return None
    return [_created(create, fields=fields, options=options)]


def _created(
    create: CreateModel,
    fields: list[tuple[str, Field]] | None = None,
    options: dict[str, Any] | None = None,
) -> CreateModel:
    return CreateModel(
        create.name,
        create.fields if fields is None else fields,
        create.options if options is None else options,
        create.bases,
    )


def _kept_field(field: Field, preserve_default: bool) -> Field:
    """The field as state keeps it: a one-off default only fills rows, so it is dropped."""
    if preserve_default or not field.has_default():
        return field
    _name, _path, args, kwargs = field.deconstruct()
    kwargs.pop("default", None)
    return type(field)(*args, **kwargs)


def _fold_options(options: dict[str, Any], other: Operation) -> dict[str, Any]:
    folded = dict(options)
    if isinstance(other, AlterModelOptions):
        for key in NON_SCHEMA_OPTIONS:
            if key in other.options:
                folded[key] = other.options[key]
            else:
                folded.pop(key, None)
        return folded
    if isinstance(other, AlterModelTable):
        key, value = "db_table", other.table
    else:
        assert isinstance(other, AlterUniqueTogether)
        key, value = "unique_together", tuple(sorted(other.unique_together))
    if value:
        folded[key] = value
    else:
        folded.pop(key, None)
    return folded


def _fold_index(options: dict[str, Any], other: AddIndex | RemoveIndex) -> dict[str, Any]:
    folded = dict(options)
    indexes = list(options.get("indexes", []))
    if isinstance(other, AddIndex):
        indexes.append(other.index)
    else:
        indexes = [index for index in indexes if index.name != other.name]
    if indexes:
        folded["indexes"] = indexes
    else:
        folded.pop("indexes", None)
    return folded


def _options_without_field(options: dict[str, Any], name: str) -> dict[str, Any]:
    folded = dict(options)
    groups = tuple(g for g in folded.pop("unique_together", ()) if name not in g)
    if groups:
        folded["unique_together"] = groups
    indexes = [
        index
        for index in folded.pop("indexes", [])
        if name not in (field for field, _order in index.fields_orders)
    ]
    if indexes:
        folded["indexes"] = indexes
    return folded


def _options_with_renamed_field(options: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    folded = dict(options)
    if folded.get("unique_together"):
        folded["unique_together"] = tuple(
            tuple(new if f == old else f for f in group) for group in folded["unique_together"]
        )
    if folded.get("ordering"):
        folded["ordering"] = [_renamed_term(term, old, new) for term in folded["ordering"]]
    if folded.get("indexes"):
        folded["indexes"] = [
            Index(fields=[_renamed_term(f, old, new) for f in index.fields], name=index.name)
            for index in folded["indexes"]
        ]
    return folded


def _renamed_term(term: str, old: str, new: str) -> str:
    descending = term.startswith("-")
    if (term[1:] if descending else term) != old:
        return term
    return f"-{new}" if descending else new


def _reduce_model_operation(operation: Operation, other: Operation, app_label: str) -> Reduction:
    """DeleteModel, AlterModelTable/Options/UniqueTogether: the last one wins; Delete absorbs."""
    if isinstance(operation, DeleteModel) and isinstance(other, DeleteModel):
        return False  # either may hold a relation to the other: keep the order they came in
    name = operation.name.lower()
    same_model = getattr(other, "name", None)
    if isinstance(same_model, str) and same_model.lower() == name:
        if isinstance(other, DeleteModel) and not isinstance(operation, DeleteModel):
            return [other]
        if type(other) is type(operation) and not isinstance(operation, DeleteModel):
            return [other]
    return _may_pass(operation, other, app_label, (operation.name,))


def _reduce_rename_model(operation: RenameModel, other: Operation, app_label: str) -> Reduction:
    if isinstance(other, RenameModel) and operation.new_name.lower() == other.old_name.lower():
        return [RenameModel(operation.old_name, other.new_name)]
    return _may_pass(operation, other, app_label, (operation.old_name, operation.new_name))


def _reduce_index(operation: AddIndex | RemoveIndex, other: Operation, app_label: str) -> Reduction:
    if (
        isinstance(operation, AddIndex)
        and isinstance(other, RemoveIndex)
        and other.model_name.lower() == operation.model_name.lower()
        and other.name == operation.index.name
    ):
        return []
    return _may_pass(operation, other, app_label, (operation.model_name,))


def _same_field(operation: FieldOperation, other: Operation) -> bool:
    return (
        isinstance(other, FieldOperation)
        and other.model_name_lower == operation.model_name_lower
        and other.name_lower == operation.name_lower
    )


def _reduce_field_operation(
    operation: FieldOperation, other: Operation, app_label: str
) -> Reduction:
    if _same_field(operation, other):
        folded = _fold_field_pair(operation, other)  # type: ignore[arg-type]
        if folded is not None:
            return folded
    if (
        isinstance(operation, RemoveField)
        and isinstance(other, DeleteModel)
        and other.name_lower == operation.model_name_lower
    ):
        return [other]
    return _field_may_pass(operation, other, app_label)


def _fold_field_pair(operation: FieldOperation, other: FieldOperation) -> list[Operation] | None:
    if isinstance(operation, AddField):
        if isinstance(other, RemoveField):
            return []
        if isinstance(other, RenameField):
            field, keep = operation.field, operation.preserve_default
            return [AddField(operation.model_name, other.new_name, field, keep)]
        if isinstance(other, AlterField) and operation.preserve_default and other.preserve_default:
            return [AddField(operation.model_name, operation.name, other.field)]
    if isinstance(operation, AlterField):
        if isinstance(other, RemoveField):
            return [other]
        if isinstance(other, AlterField) and operation.preserve_default:
            return [other]
    return None


def _field_may_pass(operation: FieldOperation, other: Operation, app_label: str) -> bool:
    names = [operation.name]
    if isinstance(operation, RenameField):
        names = [operation.old_name, operation.new_name]
    if any(other.references_field(operation.model_name, n, app_label) for n in names):
        return False
    if isinstance(operation, RemoveField) and isinstance(other, DeleteModel):
        # The removed field may point at that model: it must go first.
        return False
    return _may_pass(operation, other, app_label, ())


def _reduce_rename_field(operation: RenameField, other: Operation, app_label: str) -> Reduction:
    if (
        isinstance(other, RenameField)
        and other.model_name_lower == operation.model_name_lower
        and other.old_name.lower() == operation.new_name.lower()
    ):
        return [RenameField(operation.model_name, operation.old_name, other.new_name)]
    return _field_may_pass(operation, other, app_label)


_RULES: dict[type, Callable[[Any, Operation, str], Reduction]] = {
    CreateModel: _reduce_create_model,
    DeleteModel: _reduce_model_operation,
    AlterModelTable: _reduce_model_operation,
    AlterModelOptions: _reduce_model_operation,
    AlterUniqueTogether: _reduce_model_operation,
    RenameModel: _reduce_rename_model,
    AddIndex: _reduce_index,
    RemoveIndex: _reduce_index,
    AddField: _reduce_field_operation,
    AlterField: _reduce_field_operation,
    RemoveField: _reduce_field_operation,
    RenameField: _reduce_rename_field,
}
