"""Fold sequences of operations into fewer ones (CreateModel + AddField -> CreateModel).

The result is exactly Django's: find the first operation (scanning left to right) that folds
with a later one, replace the pair by the result, and start again until nothing folds. The
result replaces the later operation when the earlier one may move right past everything in
between, or the earlier one when the later one may move left past everything in between.
Index operations, RunSQL and RunPython are barriers nothing moves across (as in Django).

Restarting from the first operation after every fold is quadratic or worse, so the same
result is reached with bookkeeping instead: an operation that found nothing to fold with is
marked clean, and a fold re-queues only the clean operations whose scan could now end
differently (those acting on the same models, within the same stretch between barriers). The
operations interacting with one another are found through an index by model name.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

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

# How an operation takes part in optimization.
PLAIN = "plain"  # a known operation: interacts only with operations on the same models
BARRIER = "barrier"  # nothing moves across it; it folds only with the operation next to it
WILDCARD = "wildcard"  # elidable or with its own reduce(): compared with everything

# Not a model name: pairs RemoveField with every DeleteModel (the field may point at it).
_DROPS = "<drops>"


class MigrationOptimizer:
    """Reduce a list of operations of one app to an equivalent, shorter list."""

    def optimize(self, operations: list[Operation], app_label: str) -> list[Operation]:
        """The operations folded until no pair reduces any further."""
        if app_label is None:
            raise TypeError("app_label must be a str.")
        current = list(operations)
        while True:
            run = _Optimization(current, app_label)
            rebuilt = run.run()
            if rebuilt is None:
                return run.result()
            current = rebuilt


def reduce_pair(operation: Operation, other: Operation, app_label: str) -> Reduction:
    """What ``operation`` followed (later) by ``other`` folds into.

    A list replaces both; True means ``other`` may move past ``operation`` (they are
    independent); False means neither.
    """
    rule = _RULES.get(type(operation))
    if rule is None:  # RunSQL, RunPython, custom operations: their own reduce() decides
        return operation.reduce(other, app_label)
    if operation.elidable:
        return [other]
    if other.elidable:
        return [operation]
    return rule(operation, other, app_label)


def kind_of(operation: Operation) -> str:
    """PLAIN, BARRIER or WILDCARD (see the module docstring)."""
    if operation.elidable or (
        type(operation) not in _RULES and type(operation).reduce is not Operation.reduce
    ):
        return WILDCARD
    if type(operation) in _RULES and not isinstance(operation, AddIndex | RemoveIndex):
        return PLAIN
    return BARRIER


def subject_models(operation: Operation) -> frozenset[str] | None:
    """The models an operation acts on (None: any).

    Two plain operations fold or keep their order only if one's subjects meet the other's
    touched models: otherwise each may move past the other.
    """
    if type(operation) not in _RULES or operation.elidable:
        return None
    if isinstance(operation, RenameModel):
        names = {operation.old_name.lower(), operation.new_name.lower()}
    elif isinstance(operation, FieldOperation | AddIndex | RemoveIndex):
        names = {operation.model_name.lower()}
    else:
        names = {operation.name.lower()}
    if isinstance(operation, RemoveField | DeleteModel):
        names.add(_DROPS)
    return frozenset(names)


def touched_models(operation: Operation) -> frozenset[str] | None:
    """The subjects plus the models the operation's relations point at (None: any)."""
    subjects = subject_models(operation)
    if subjects is None:
        return None
    fields: list[tuple[str, Field]] = []
    if isinstance(operation, CreateModel):
        fields = operation.fields
    elif isinstance(operation, FieldOperation) and operation.field is not None:
        fields = [(operation.name, operation.field)]
    targets = {field.related_model_key[1] for _name, field in fields if field.is_relation}
    return subjects | targets


class _Positions:
    """Sorted positions per key (a model name, a kind, ...)."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[int]] = {}

    def add(self, key: str, position: int) -> None:
        positions = self.by_key.setdefault(key, [])
        index = bisect_left(positions, position)
        if index == len(positions) or positions[index] != position:
            positions.insert(index, position)

    def discard(self, key: str, position: int) -> None:
        positions = self.by_key.get(key, [])
        index = bisect_left(positions, position)
        if index < len(positions) and positions[index] == position:
            del positions[index]

    def between(self, keys: Iterable[str], start: int, end: int) -> set[int]:
        """Positions strictly between start and end under any of the keys."""
        found: set[int] = set()
        for key in keys:
            positions = self.by_key.get(key, [])
            found.update(positions[bisect_right(positions, start) : bisect_left(positions, end)])
        return found

    def last_before(self, key: str, end: int) -> int:
        positions = self.by_key.get(key, [])
        index = bisect_left(positions, end)
        return positions[index - 1] if index else -1

    def first_after(self, key: str, start: int) -> int | None:
        positions = self.by_key.get(key, [])
        index = bisect_right(positions, start)
        return positions[index] if index < len(positions) else None


class _Slot(NamedTuple):
    operation: Operation
    kind: str
    subjects: frozenset[str] | None
    touched: frozenset[str] | None


def _slot(operation: Operation) -> _Slot:
    return _Slot(
        operation, kind_of(operation), subject_models(operation), touched_models(operation)
    )


class _Optimization:
    """One optimization of a list of operations (see the module docstring)."""

    def __init__(self, operations: list[Operation], app_label: str) -> None:
        self.app_label = app_label
        self.slots: list[_Slot | None] = [_slot(operation) for operation in operations]
        self.touched = _Positions()  # model name -> positions of operations touching it
        self.subjects = _Positions()  # model name -> positions of operations acting on it
        self.kinds = _Positions()  # BARRIER / WILDCARD -> positions
        self.clean = [False] * len(self.slots)
        self.failed_left: dict[int, int] = {}  # clean position -> the fold it could not make
        self.failures = _Positions()  # "t:name" / "s:name" / "*" / "all" -> failed positions
        self.failure_keys: dict[int, set[str]] = {}
        self.queue = list(range(len(self.slots)))
        for position, slot in enumerate(self.slots):
            self._index(position, slot)  # type: ignore[arg-type]

    def result(self) -> list[Operation]:
        return [slot.operation for slot in self.slots if slot is not None]

    def run(self) -> list[Operation] | None:
        """Fold to a fixed point; a list means "start again on this list" (rare)."""
        while self.queue:
            position = heapq.heappop(self.queue)
            if self.slots[position] is None or self.clean[position]:
                continue
            rebuilt = self._scan(position)
            if rebuilt is not None:
                return rebuilt
        return None

    # -- scanning ---------------------------------------------------------------------------

    def _scan(self, i: int) -> list[Operation] | None:
        slot = self.slots[i]
        assert slot is not None
        if slot.kind == BARRIER:
            j = self._next_live(i)
            other = None if j is None else self.slots[j]
            result = None if other is None else self._reduce(slot, other)
            if isinstance(result, list):
                return self._fold(i, j, result, at=j)  # type: ignore[arg-type]
            self.clean[i] = True
            return None
        right = True
        for j in self._candidates(i, slot):
            other = self.slots[j]
            assert other is not None
            result = self._reduce(slot, other)
            if isinstance(result, list):
                if right:
                    return self._fold(i, j, result, at=j)
                if self._may_move_left(i, j, other):
                    return self._fold(i, j, result, at=i)
                self._record_failure(i, j)
                break
            if not result:
                right = False
        self.clean[i] = True
        return None

    def _reduce(self, slot: _Slot, other: _Slot) -> Reduction:
        return reduce_pair(slot.operation, other.operation, self.app_label)

    def _candidates(self, i: int, slot: _Slot) -> list[int]:
        """Live positions after i, up to the next barrier, that the operation may fold with."""
        barrier = self.kinds.first_after(BARRIER, i)
        end = len(self.slots) if barrier is None else barrier
        found = self._interacting(i, end, slot)
        if barrier is not None:
            found.append(barrier)
        return found

    def _interacting(self, start: int, end: int, slot: _Slot) -> list[int]:
        """Live positions strictly between start and end whose order matters to the slot's."""
        if slot.kind != PLAIN:
            return [p for p in range(start + 1, end) if self.slots[p] is not None]
        found = self.touched.between(slot.subjects, start, end)  # type: ignore[arg-type]
        found |= self.subjects.between(slot.touched, start, end)  # type: ignore[arg-type]
        found |= self.kinds.between((WILDCARD,), start, end)
        return sorted(found)

    def _may_move_left(self, i: int, j: int, other: _Slot) -> bool:
        return all(
            self._reduce(self.slots[k], other) is True  # type: ignore[arg-type]
            for k in self._interacting(i, j, other)
        )

    def _next_live(self, i: int) -> int | None:
        return next((p for p in range(i + 1, len(self.slots)) if self.slots[p] is not None), None)

    # -- folding ----------------------------------------------------------------------------

    def _fold(self, i: int, j: int, result: list[Operation], at: int) -> list[Operation] | None:
        if len(result) > 1:
            # Only custom reduce() methods return more than one operation: start again.
            operations = [slot.operation if slot else None for slot in self.slots]
            between = [op for op in operations[i + 1 : j] if op is not None]
            middle = between + result if at == j else result + between
            before = [op for op in operations[:i] if op is not None]
            after = [op for op in operations[j + 1 :] if op is not None]
            return [*before, *middle, *after]
        removed = [(i, self.slots[i]), (j, self.slots[j])]
        for position, _slot_removed in removed:
            self._unindex(position)
        added = _slot(result[0]) if result else None
        if added is not None:
            self.slots[at] = added
            self._index(at, added)
            self.clean[at] = False
            heapq.heappush(self.queue, at)
        for position, slot_removed in removed:
            self._after_removal(position, slot_removed)  # type: ignore[arg-type]
        if added is not None:
            self._after_addition(at, added)
        return None

    def _index(self, position: int, slot: _Slot) -> None:
        if slot.kind != PLAIN:
            self.kinds.add(slot.kind, position)
        for name in slot.touched or ():
            self.touched.add(name, position)
        for name in slot.subjects or ():
            self.subjects.add(name, position)

    def _unindex(self, position: int) -> None:
        slot = self.slots[position]
        assert slot is not None
        self.kinds.discard(slot.kind, position)
        for name in slot.touched or ():
            self.touched.discard(name, position)
        for name in slot.subjects or ():
            self.subjects.discard(name, position)
        self.slots[position] = None
        self._forget_failure(position)

    # -- re-queueing ------------------------------------------------------------------------

    def _requeue(self, position: int) -> None:
        if self.slots[position] is not None and self.clean[position]:
            self.clean[position] = False
            self._forget_failure(position)
            heapq.heappush(self.queue, position)

    def _record_failure(self, i: int, j: int) -> None:
        """Operation i could fold with j but not move left to it: remember what blocked it."""
        self.failed_left[i] = j
        keys = {"all"}
        for slot in (self.slots[i], self.slots[j]):
            assert slot is not None
            if slot.kind != PLAIN:
                keys.add("*")
                continue
            keys.update(f"t:{name}" for name in slot.touched or ())
            keys.update(f"s:{name}" for name in slot.subjects or ())
        self.failure_keys[i] = keys
        for key in keys:
            self.failures.add(key, i)

    def _forget_failure(self, position: int) -> None:
        if self.failed_left.pop(position, None) is not None:
            for key in self.failure_keys.pop(position):
                self.failures.discard(key, position)

    def _stretch_start(self, position: int) -> int:
        """The last barrier before position (-1 if none); its scan looks at what follows it."""
        barrier = self.kinds.last_before(BARRIER, position)
        if barrier >= 0:
            self._requeue(barrier)
        return barrier

    def _after_addition(self, position: int, added: _Slot) -> None:
        """Clean operations before a new one that may now fold with it."""
        low = self._stretch_start(position)
        for m in self._may_fold_with(low, position, added):
            slot = self.slots[m]
            if slot is not None and (
                slot.kind != PLAIN or isinstance(self._reduce(slot, added), list)
            ):
                self._requeue(m)

    def _may_fold_with(self, low: int, position: int, slot: _Slot) -> set[int]:
        """Positions between low and position whose operation may fold with the slot's."""
        if slot.kind == WILDCARD:
            return {p for p in range(low + 1, position) if self.slots[p] is not None}
        found = self.subjects.between(slot.subjects or (), low, position)
        return found | self.kinds.between((WILDCARD,), low, position)

    def _after_removal(self, position: int, removed: _Slot) -> None:
        """Clean operations whose failed fold or whose stretch depended on the removed one."""
        low = self._stretch_start(position)
        keys = {"all"}
        if removed.kind == PLAIN:
            subjects, touched = removed.subjects or frozenset(), removed.touched or frozenset()
            keys = {"*", *(f"t:{n}" for n in subjects), *(f"s:{n}" for n in touched)}
        for m in sorted(self.failures.between(keys, low, position)):
            if position <= self.failed_left[m]:
                self._requeue(m)
        if removed.kind == BARRIER:
            self._stretch_extended(low, position)

    def _stretch_extended(self, low: int, position: int) -> None:
        """A barrier went away: operations before it now see the ones after it."""
        barrier = self.kinds.first_after(BARRIER, position)
        end = len(self.slots) if barrier is None else barrier + 1
        for p in range(position + 1, end):
            slot = self.slots[p]
            if slot is not None:
                for m in self._may_fold_with(low, position, slot):
                    self._requeue(m)


# -- pair rules -----------------------------------------------------------------------------


def _may_pass(
    operation: Operation, other: Operation, app_label: str, names: tuple[str, ...]
) -> bool:
    """Whether ``other`` is independent of ``operation``, which acts on the models ``names``."""
    if kind_of(other) == BARRIER:
        return False
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
    """An index operation only cancels out with the removal of the same index (as in Django)."""
    if (
        isinstance(operation, AddIndex)
        and isinstance(other, RemoveIndex)
        and other.model_name.lower() == operation.model_name.lower()
        and other.name == operation.index.name
    ):
        return []
    return False


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
