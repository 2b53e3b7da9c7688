"""Fold sequences of operations into fewer ones (CreateModel + AddField -> CreateModel).

Each operation says how it folds with a later one (``Operation.reduce``); this module is the
loop that asks them. The result is exactly Django's: find the first operation (scanning left to
right) that folds with a later one, replace the pair by the result, and start again until
nothing folds. The result takes the later operation's place when every operation in between
lets it pass (``reduce`` is not False), or the earlier one's when the later one may move left
past everything in between.

Starting again from the first operation after every fold is quadratic, so the loop keeps the
operations that found nothing to fold with marked clean and, after a fold, marks again only
those whose search could now end differently. The operations tell it which models they touch
(``referenced_models``); two operations on different models let each other pass, so an
operation is compared only with those sharing a model with it, and a fold only disturbs
those. A barrier (RunSQL, RunPython, index operations) ends every search before it.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from typing import NamedTuple

from schemashift.migrations.operations.base import Operation


class MigrationOptimizer:
    """Reduce a list of operations of one app to an equivalent, shorter list."""

    def optimize(self, operations: list[Operation], app_label: str) -> list[Operation]:
        """The operations folded until no pair reduces any further."""
        if app_label is None:
            raise TypeError("app_label must be a str.")
        current = list(operations)
        while True:
            folding = _Folding(current, app_label)
            restart = folding.run()
            if restart is None:
                return folding.result()
            current = restart


class _Entry(NamedTuple):
    operation: Operation
    is_barrier: bool
    models: frozenset[str] | None  # None: compared with every operation

    @classmethod
    def of(cls, operation: Operation, app_label: str) -> _Entry:
        models = None if operation.elidable else operation.referenced_models(app_label)
        return cls(operation, operation.is_barrier, models)


class _Positions:
    """Sorted positions, found by range."""

    def __init__(self, positions: Iterable[int] = ()) -> None:
        self.sorted = sorted(positions)

    def add(self, position: int) -> None:
        insort(self.sorted, position)

    def discard(self, position: int) -> None:
        index = bisect_left(self.sorted, position)
        if index < len(self.sorted) and self.sorted[index] == position:
            del self.sorted[index]

    def between(self, start: int, end: int) -> list[int]:
        """Positions strictly between start and end."""
        return self.sorted[bisect_right(self.sorted, start) : bisect_left(self.sorted, end)]

    def before(self, position: int) -> int:
        index = bisect_left(self.sorted, position)
        return self.sorted[index - 1] if index else -1

    def after(self, position: int) -> int | None:
        index = bisect_right(self.sorted, position)
        return self.sorted[index] if index < len(self.sorted) else None


class _Folding:
    """One optimization of a list of operations (see the module docstring)."""

    def __init__(self, operations: list[Operation], app_label: str) -> None:
        self.app_label = app_label
        self.entries: list[_Entry | None] = [_Entry.of(op, app_label) for op in operations]
        self.live = _Positions()
        self.barriers = _Positions()
        self.wildcards = _Positions()  # operations compared with every other one
        self.blocked = _Positions()  # clean operations whose fold could not move left
        self.blocked_by: dict[int, int] = {}  # blocked position -> the one it could not fold
        self.by_model: dict[str, _Positions] = {}
        self.clean = [False] * len(self.entries)
        self.queue = list(range(len(self.entries)))
        for position, entry in enumerate(self.entries):
            self._index(position, entry)  # type: ignore[arg-type]

    def result(self) -> list[Operation]:
        return [entry.operation for entry in self.entries if entry is not None]

    def run(self) -> list[Operation] | None:
        """Fold to a fixed point; a list means "start again on this list" (rare)."""
        while self.queue:
            position = heapq.heappop(self.queue)
            if self.entries[position] is not None and not self.clean[position]:
                restart = self._search(position)
                if restart is not None:
                    return restart
        return None

    def _search(self, i: int) -> list[Operation] | None:
        """Fold operation i with the first later one it reduces with, as Django does."""
        entry = self.entries[i]
        assert entry is not None
        right = True
        for j in self._candidates(i, entry):
            result = self._reduce(i, j)
            if isinstance(result, list):
                if right:
                    return self._fold(i, j, result, at=j)
                if self._may_move_left(i, j):
                    return self._fold(i, j, result, at=i)
                self.blocked.add(i)
                self.blocked_by[i] = j
                break
            if not result:
                right = False
        self.clean[i] = True
        return None

    def _reduce(self, i: int, j: int) -> list[Operation] | bool:
        earlier, later = self.entries[i], self.entries[j]
        assert earlier is not None and later is not None
        return earlier.operation.reduce(later.operation, self.app_label)

    def _candidates(self, i: int, entry: _Entry) -> list[int]:
        """The later operations, up to the next barrier, that operation i may not pass."""
        if entry.is_barrier:
            following = self.live.after(i)
            return [] if following is None else [following]
        barrier = self.barriers.after(i)
        end = len(self.entries) if barrier is None else barrier
        found = self._sharing(i, end, entry)
        return found if barrier is None else [*found, barrier]

    def _sharing(self, start: int, end: int, entry: _Entry) -> list[int]:
        """Live positions strictly between start and end sharing a model with the entry."""
        if entry.models is None:
            return self.live.between(start, end)
        found = set(self.wildcards.between(start, end))
        for name in entry.models:
            positions = self.by_model.get(name)
            if positions is not None:
                found.update(positions.between(start, end))
        return sorted(found)

    def _may_move_left(self, i: int, j: int) -> bool:
        later = self.entries[j]
        assert later is not None
        between = self.live.between(i, j) if later.is_barrier else self._sharing(i, j, later)
        return all(self._reduce(k, j) is True for k in between)

    def _fold(self, i: int, j: int, result: list[Operation], at: int) -> list[Operation] | None:
        if len(result) > 1:  # only custom reduce() methods give more than one: start again
            operations = [entry.operation if entry else None for entry in self.entries]
            between = [op for op in operations[i + 1 : j] if op is not None]
            middle = [*between, *result] if at == j else [*result, *between]
            before = [op for op in operations[:i] if op is not None]
            after = [op for op in operations[j + 1 :] if op is not None]
            return [*before, *middle, *after]
        removed = [(i, self._remove(i)), (j, self._remove(j))]
        added: list[tuple[int, _Entry]] = []
        if result:
            entry = _Entry.of(result[0], self.app_label)
            self.entries[at] = entry
            self._index(at, entry)
            self.clean[at] = False
            heapq.heappush(self.queue, at)
            added.append((at, entry))
        for position, entry in removed:
            if entry.is_barrier:
                added.extend(self._uncovered(position))
        self._disturb(i, j, removed, added)
        return None

    def _uncovered(self, position: int) -> list[tuple[int, _Entry]]:
        """The operations a removed barrier hid from those before it, up to the next one."""
        barrier = self.barriers.after(position)
        end = len(self.entries) if barrier is None else barrier + 1
        return [(p, self.entries[p]) for p in self.live.between(position, end)]  # type: ignore[misc]

    def _disturb(
        self, i: int, j: int, removed: list[tuple[int, _Entry]], added: list[tuple[int, _Entry]]
    ) -> None:
        """Mark again the clean operations whose search the fold of i and j may change.

        Only those after the barrier before i can see the change: the barrier itself (its
        search sees the next operation), those whose blocked fold the removed operations took
        part in, and those that reduce with an operation the fold added or uncovered. A removed
        operation changes nothing else: a clean search found no fold, with it or after it.
        """
        low = self.barriers.before(i)
        if low >= 0:
            self._mark(low)
        for m in self.blocked.between(low, j):
            if any(self._was_blocking(m, position, entry) for position, entry in removed):
                self._mark(m)
        for position, entry in added:
            for m in self._sharing(low, position, entry):
                if self.clean[m] and isinstance(self._reduce(m, position), list):
                    self._mark(m)

    def _was_blocking(self, m: int, position: int, entry: _Entry) -> bool:
        """Whether the removed entry was the fold partner of blocked m, or stood in its way.

        It stood in the way when the partner could not pass it (they share a model), or when
        m could not pass it, which is what made m's fold move left rather than right.
        """
        partner = self.blocked_by[m]
        if not m < position <= partner:
            return False
        if position == partner or entry.models is None:
            return True
        return any(
            other is None
            or other.is_barrier
            or other.models is None
            or not other.models.isdisjoint(entry.models)
            for other in (self.entries[partner], self.entries[m])
        )

    def _mark(self, position: int) -> None:
        if self.clean[position] and self.entries[position] is not None:
            self.clean[position] = False
            self._unblock(position)
            heapq.heappush(self.queue, position)

    def _index(self, position: int, entry: _Entry) -> None:
        self.live.add(position)
        if entry.is_barrier:
            self.barriers.add(position)
        if entry.models is None:
            self.wildcards.add(position)
        for name in entry.models or ():
            self.by_model.setdefault(name, _Positions()).add(position)

    def _remove(self, position: int) -> _Entry:
        entry = self.entries[position]
        assert entry is not None
        self.entries[position] = None
        self.live.discard(position)
        self.barriers.discard(position)
        self.wildcards.discard(position)
        self._unblock(position)
        for name in entry.models or ():
            self.by_model[name].discard(position)
        return entry

    def _unblock(self, position: int) -> None:
        if self.blocked_by.pop(position, None) is not None:
            self.blocked.discard(position)
