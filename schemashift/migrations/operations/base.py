"""The protocol every migration operation follows."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from schemashift.exceptions import IrreversibleError
from schemashift.migrations.comparable import comparable
from schemashift.migrations.dependency import Dependency

if TYPE_CHECKING:
    from schemashift.db.backends.base import BaseSchemaEditor
    from schemashift.migrations.data_loss import Loss
    from schemashift.migrations.state import ProjectState


class Operation:
    """One step of a migration.

    Five verbs, as in Django: change the state (``state_forwards``), change the database
    forwards and backwards, describe itself, serialise itself (``deconstruct``); plus
    ``reduce`` for the optimizer. Operations never mutate Field objects in place: a state
    change replaces fields and model states, so snapshots stay valid.

    Every operation also takes ``acknowledge``, the ids of the findings its author accepted
    (``"data-loss"`` for a change that can destroy stored values, or a lint rule's id):
    ``RemoveField("question", "votes", acknowledge=["data-loss"])``. It is written back to the
    migration file with the operation's other arguments.
    """

    #: the ids of the findings (``"data-loss"``, lint rules) the migration's author accepted
    acknowledged: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _taking_acknowledge(cls.__dict__["__init__"])  # type: ignore[misc]
        if "deconstruct" in cls.__dict__:
            cls.deconstruct = _giving_acknowledge(cls.__dict__["deconstruct"])  # type: ignore[method-assign]

    def is_acknowledged(self, finding: str) -> bool:
        """Whether the migration accepts the finding ``finding`` (an id) for this operation."""
        return finding in self.acknowledged

    reversible = True
    reduces_to_sql = True
    elidable = False
    #: whether applying it can destroy stored values (dropping a column, a table, narrowing)
    is_destructive = False
    #: the directions ("forwards", "backwards") in which ``losses`` can find anything
    loses_data_when: frozenset[str] = frozenset()
    #: one character shown before the description: + add, - remove, ~ alter, p python, s sql
    category = "?"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """(class name, args, kwargs) that rebuild this operation in a migration file."""
        raise NotImplementedError

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        raise NotImplementedError

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        raise NotImplementedError

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        """Undo the change. ``from_state`` is the state after the operation, ``to_state`` before."""
        raise IrreversibleError(f"Operation {self.describe()} is not reversible.")

    def describe(self) -> str:
        return type(self).__name__

    def losses(
        self, app_label: str, before: ProjectState, after: ProjectState, backwards: bool = False
    ) -> list[Loss]:
        """The stored values applying it (unapplying it, with ``backwards``) can destroy.

        ``before`` and ``after`` are the states around it in forward order, whichever way it
        runs.
        """
        return []

    def formatted_description(self) -> str:
        return f"{self.category} {self.describe()}"

    @property
    def migration_name_fragment(self) -> str | None:
        return None

    @property
    def model_name_lower(self) -> str | None:
        """The lower-case name of the one model this operation changes (None: not one model)."""
        return None

    #: whether the operation only changes the state of its model (fields, options, indexes),
    #: so that a CreateModel of that model can absorb it
    alters_one_model = False
    #: whether it drops fields whose relation targets it does not name (RemoveField,
    #: DeleteModel): a model it may point at must not be deleted before it
    drops_relations = False

    def commits_on_its_own(self, vendor: str) -> bool:
        """Whether the operation commits its work itself (in batches, say) on the backend
        ``vendor`` names, so that its migration cannot run in one transaction."""
        return False

    @property
    def is_barrier(self) -> bool:
        """Whether no later operation may move before this one (folding stops at it)."""
        return False

    def references_model(self, name: str, app_label: str) -> bool:
        """Whether this operation touches or points at the given model (used to optimize)."""
        return True

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label)

    def provides(self, app_label: str) -> set[Dependency]:
        """What other operations may wait for that this one does (a model or field created,
        removed, altered): the autodetector orders operations by it."""
        return set()

    def referenced_models(self, app_label: str) -> frozenset[str] | None:
        """The lower-case names of the models of ``app_label`` it touches or points at.

        A superset of the names ``references_model`` answers True for; None means any model.
        The optimizer compares an operation only with those sharing a model with it.
        """
        return None

    def removes_target_of(self, operation: Operation, app_label: str) -> bool:
        """Whether this operation deletes or renames away a model ``operation`` may point at,
        so that it cannot move before ``operation``."""
        return False

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        """What this operation and a later one fold into.

        A list replaces both; True means the later one may move past this one; False means
        neither. An elidable operation gives way to the other one.
        """
        if self.elidable:
            return [operation]
        if operation.elidable:
            return [self]
        return False

    def lets_pass(
        self, operation: Operation, app_label: str, model_names: tuple[str, ...] = ()
    ) -> bool:
        """Whether a later ``operation`` may move before this one, which acts on
        ``model_names``: it is no barrier, names none of them, and removes nothing this one
        points at."""
        if operation.is_barrier:
            return False
        if any(operation.references_model(name, app_label) for name in model_names):
            return False
        return not operation.removes_target_of(self, app_label)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and comparable(self.deconstruct()) == comparable(
            other.deconstruct()
        )

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        _name, args, kwargs = self.deconstruct()
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"<{type(self).__name__} {', '.join(parts)}>"


def _taking_acknowledge(init: Callable[..., None]) -> Callable[..., None]:
    """``init`` that also accepts ``acknowledge=[ids]`` and keeps it as ``acknowledged``."""

    @functools.wraps(init)
    def __init__(
        self: Operation, *args: Any, acknowledge: Iterable[str] = (), **kwargs: Any
    ) -> None:
        init(self, *args, **kwargs)
        if isinstance(acknowledge, str):
            acknowledge = [acknowledge]
        if not isinstance(acknowledge, Iterable) or not all(
            isinstance(finding, str) for finding in acknowledge
        ):
            raise TypeError(
                f"{type(self).__name__}(acknowledge=...) takes a list of finding ids such as "
                f'["data-loss"], not {acknowledge!r}.'
            )
        # set after ``init``: a subclass's own ``acknowledge`` outlives its base's __init__
        self.acknowledged = frozenset(acknowledge) | (
            self.__dict__.get("acknowledged", frozenset()) if not acknowledge else frozenset()
        )

    return __init__


def _giving_acknowledge(
    deconstruct: Callable[[Operation], tuple[str, list[Any], dict[str, Any]]],
) -> Callable[[Operation], tuple[str, list[Any], dict[str, Any]]]:
    """``deconstruct`` whose keyword arguments include ``acknowledge`` when it is set."""

    @functools.wraps(deconstruct)
    def wrapped(self: Operation) -> tuple[str, list[Any], dict[str, Any]]:
        name, args, kwargs = deconstruct(self)
        if self.acknowledged:
            kwargs = {**kwargs, "acknowledge": sorted(self.acknowledged)}
        return name, args, kwargs

    return wrapped
