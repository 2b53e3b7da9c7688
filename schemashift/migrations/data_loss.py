"""What an operation can destroy: the rows of a table, the values of a column, or the part of
each value a narrower column type cannot hold.

Operations report it through ``Operation.losses``; the gate (``data_loss_gate.py``) reads the
live database to tell whether a run would destroy anything, and ``migrate --plan``,
``makemigrations`` and ``lint`` show it. Plain data: no database, no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemashift.models.field_copies import widens

if TYPE_CHECKING:
    from schemashift.migrations.migration import Migration
    from schemashift.migrations.operations.base import Operation
    from schemashift.migrations.state import ModelState, ProjectState
    from schemashift.models.fields import Field

#: the id of the finding, as written in ``acknowledge=[...]``
DATA_LOSS = "data-loss"

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "SmallIntegerField": (-(2**15), 2**15 - 1),
    "SmallAutoField": (-(2**15), 2**15 - 1),
    "PositiveSmallIntegerField": (0, 2**15 - 1),
    "IntegerField": (-(2**31), 2**31 - 1),
    "AutoField": (-(2**31), 2**31 - 1),
    "PositiveIntegerField": (0, 2**31 - 1),
    "BigIntegerField": (-(2**63), 2**63 - 1),
    "BigAutoField": (-(2**63), 2**63 - 1),
    "PositiveBigIntegerField": (0, 2**63 - 1),
}
TEXT_KINDS = frozenset({"CharField", "SlugField", "TextField", "EmailField", "URLField"})
#: conversions every value survives unchanged, beyond ``widens``
_LOSSLESS = frozenset(
    {
        ("DateField", "DateTimeField"),
        ("BooleanField", "SmallIntegerField"),
        ("BooleanField", "IntegerField"),
        ("BooleanField", "BigIntegerField"),
        ("SmallIntegerField", "FloatField"),
        ("PositiveSmallIntegerField", "FloatField"),
        ("IntegerField", "FloatField"),
        ("PositiveIntegerField", "FloatField"),
    }
)


@dataclass(frozen=True)
class Fit:
    """What a value must satisfy to survive a narrowing change unchanged: at most
    ``max_length`` characters, an integer within ``bounds``, or a decimal with at most
    ``whole_digits`` digits before the point and ``places`` after it."""

    max_length: int | None = None
    bounds: tuple[int, int] | None = None
    whole_digits: int | None = None
    places: int | None = None

    def describe(self) -> str:
        if self.max_length is not None:
            return f"longer than {self.max_length} characters"
        if self.bounds is not None:
            return f"outside {self.bounds[0]}..{self.bounds[1]}"
        return f"with more than {self.whole_digits} digits before the point or {self.places} after"


@dataclass(frozen=True)
class Loss:
    """Stored values an operation destroys.

    ``field`` None: every row of ``model``'s table. A ManyToManyField: every row of its
    automatic through table. Any other field: the values of its column, or, with ``fit``,
    the values that do not fit the narrower type (the others survive unchanged).
    """

    model: ModelState
    field: Field | None
    reason: str
    fit: Fit | None = None


def table_loss(model: ModelState) -> list[Loss]:
    """A dropped table and the automatic through tables of its many-to-many fields."""
    if not owns_table(model):
        return []
    losses = [Loss(model, None, f"drops table {model.db_table} and every row in it")]
    for field in model.fields.values():
        losses += column_loss(model, field) if field.many_to_many else []
    return losses


def column_loss(model: ModelState, field: Field) -> list[Loss]:
    """A dropped column (or the automatic through table of a many-to-many field)."""
    if not owns_table(model) or field.generated:
        return []
    if field.many_to_many:
        if field.through is not None:
            return []
        return [Loss(model, field, f"drops the links of {model.name}.{field.name}")]
    return [Loss(model, field, f"drops column {field.column} of {model.db_table}")]


def owns_table(model: ModelState) -> bool:
    return not (model.is_proxy or model.options.get("managed") is False or model.swapped)


def narrowing_loss(model: ModelState, old: Field, new: Field) -> list[Loss]:
    """What turning column ``old`` into ``new`` can destroy: values that do not fit a
    narrower type, or any value of a conversion that can change it."""
    if not owns_table(model) or old.many_to_many or new.many_to_many:
        return []
    if old.is_relation or new.is_relation or old.generated or new.generated:
        return []
    old_kind, new_kind = _column_kind(old), _column_kind(new)
    if old_kind == new_kind or widens(old, new) or _is_lossless(old, new):
        return []
    change = f"{_shown(old_kind)} to {_shown(new_kind)}"
    fit = _fit(old, new)
    verb = "narrows" if fit is not None else "converts"
    return [Loss(model, old, f"{verb} {model.db_table}.{old.column} from {change}", fit)]


def _column_kind(field: Field) -> tuple[object, ...]:
    return (
        field.get_internal_type(),
        getattr(field, "max_length", None),
        getattr(field, "max_digits", None),
        getattr(field, "decimal_places", None),
    )


def _shown(kind: tuple[object, ...]) -> str:
    name, length, digits, places = kind
    if digits is not None:
        return f"{name}({digits}, {places})"
    return f"{name}({length})" if length is not None else str(name)


def _is_lossless(old: Field, new: Field) -> bool:
    old_kind, new_kind = old.get_internal_type(), new.get_internal_type()
    if (old_kind, new_kind) in _LOSSLESS:
        return True
    if old_kind in INTEGER_RANGES and new_kind in INTEGER_RANGES:
        old_low, old_high = INTEGER_RANGES[old_kind]
        new_low, new_high = INTEGER_RANGES[new_kind]
        return new_low <= old_low and old_high <= new_high
    if old_kind in TEXT_KINDS and new_kind in TEXT_KINDS:
        if new_kind == "TextField" or new.max_length is None:
            return True
        return old_kind != "TextField" and (old.max_length or 0) <= new.max_length
    if old_kind == new_kind == "DecimalField":
        return _whole_digits(new) >= _whole_digits(old) and (new.decimal_places or 0) >= (
            old.decimal_places or 0
        )
    if old_kind in INTEGER_RANGES and new_kind in TEXT_KINDS:
        return new_kind == "TextField" or new.max_length is None or new.max_length >= 20
    return False


def _fit(old: Field, new: Field) -> Fit | None:
    """The test a value must pass to survive, where a narrowing keeps the kind of value."""
    old_kind, new_kind = old.get_internal_type(), new.get_internal_type()
    if old_kind in TEXT_KINDS and new_kind in TEXT_KINDS and new.max_length is not None:
        return Fit(max_length=new.max_length)
    if old_kind in INTEGER_RANGES and new_kind in INTEGER_RANGES:
        return Fit(bounds=INTEGER_RANGES[new_kind])
    if old_kind == new_kind == "DecimalField":
        return Fit(whole_digits=_whole_digits(new), places=new.decimal_places or 0)
    return None


def _whole_digits(field: Field) -> int:
    return (field.max_digits or 0) - (field.decimal_places or 0)


def new_losses(
    state: ProjectState, changes: dict[str, list[Migration]]
) -> list[tuple[Migration, Operation, str]]:
    """The operations of new migrations (``changes``, per app, not yet written) that destroy
    stored data, each with a line saying what, walking ``state`` (the history's) through them."""
    state = state.clone()
    found = []
    for migration in _in_dependency_order(changes):
        for operation in migration.operations:
            before = state.clone()
            operation.state_forwards(migration.app_label, state)
            for loss in operation.losses(migration.app_label, before, state):
                found.append((migration, operation, f"{operation.describe()}: {loss.reason}"))
    return found


def _in_dependency_order(changes: dict[str, list[Migration]]) -> list[Migration]:
    """The migrations, each after those of the batch it depends on."""
    pending = [migration for label in sorted(changes) for migration in changes[label]]
    keys = {(m.app_label, m.name) for m in pending}
    done: set[tuple[str, str]] = set()
    ordered: list[Migration] = []
    while pending:
        ready = [
            m
            for m in pending
            if all(tuple(dep) in done or tuple(dep) not in keys for dep in m.dependencies)
        ]
        if not ready:  # a cycle is the autodetector's to report; keep the given order
            ready = pending[:1]
        for migration in ready:
            ordered.append(migration)
            done.add((migration.app_label, migration.name))
            pending.remove(migration)
    return ordered
