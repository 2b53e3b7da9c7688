"""Writer processes: the previous app version, writing to the table while ``migrate`` runs.

Each writer is a process of its own with one autocommit connection (psycopg or PyMySQL). It
waits until every writer is connected, then writes until told to stop: 70% ``UPDATE ... SET
score = score + 1`` on a random row of the filled range, 30% INSERTs naming only the columns
of the app version it plays. Every write's start (``time.monotonic()``, which all processes
share on the same machine), latency and error kind is logged and sent back at the end, with
the increments the server acknowledged and the ids of the acknowledged INSERTs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import random
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from scenarios import WRITTEN_VALUES
from server import ConnectionSpec

UPDATE_SHARE = 0.7
#: seconds to wait for the writers to connect, and for their logs after they are stopped
START_TIMEOUT = 60.0
STOP_TIMEOUT = 120.0
#: forked where the platform can (cheap; the harness holds no connection open while it starts
#: writers), else spawned
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


@dataclass(frozen=True)
class WriterPlan:
    """What the writers of one scenario do."""

    spec: ConnectionSpec
    table: str
    #: the columns the app version they play names in its INSERTs
    columns: tuple[str, ...]
    #: UPDATEs pick ids in this range, every one of which exists
    id_low: int
    id_high: int
    team_ids: tuple[int, ...]
    #: makes the inserted names unique across tools, scenarios and writers
    label: str
    #: writes per second per writer; 0 for as many as the server takes
    rate: float


@dataclass
class WriterLog:
    """What one writer did; the lists hold one entry per write, in order."""

    starts: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    is_insert: list[bool] = field(default_factory=list)
    #: None for an acknowledged write, else the error kind (SQLSTATE or error number, class)
    errors: list[str | None] = field(default_factory=list)
    #: the sum of acknowledged UPDATEs' row counts: the increments the server promised to keep
    increments: int = 0
    inserted_ids: list[int] = field(default_factory=list)
    #: the first message of each error kind
    samples: dict[str, str] = field(default_factory=dict)
    reconnects: int = 0


def error_kind(exc: BaseException) -> str:
    """``40P01 DeadlockDetected`` (psycopg: SQLSTATE), ``1048 IntegrityError`` (PyMySQL)."""
    args = getattr(exc, "args", ())
    code = args[0] if args and isinstance(args[0], int) else getattr(exc, "sqlstate", None)
    name = type(exc).__name__
    return f"{code} {name}" if code is not None else name


def _message(exc: BaseException) -> str:
    args = getattr(exc, "args", ())
    if len(args) == 2 and isinstance(args[0], int):
        return str(args[1])
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class Writer:
    """One connection writing as the app version the plan describes."""

    def __init__(self, plan: WriterPlan, index: int, seed: int):
        self.plan = plan
        self.index = index
        self.rng = random.Random(seed)
        self.connection = plan.spec.connect()
        quote = plan.spec.quote
        columns = ", ".join(quote(column) for column in plan.columns)
        values = ", ".join(["%s"] * len(plan.columns))
        returning = " RETURNING id" if plan.spec.backend == "postgresql" else ""
        table = quote(plan.table)
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({values}){returning}"
        self.update_sql = f"UPDATE {table} SET score = score + 1 WHERE id = %s"
        self.sequence = 0

    def run(self, stop: Any) -> WriterLog:
        """Write until ``stop`` is set, at most ``plan.rate`` writes per second."""
        log = WriterLog()
        interval = 1 / self.plan.rate if self.plan.rate else 0.0
        next_start = time.monotonic()
        while not stop.is_set():
            delay = next_start - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            is_insert = self.rng.random() >= UPDATE_SHARE
            start = time.monotonic()
            next_start = start + interval
            error = None
            try:
                if is_insert:
                    log.inserted_ids.append(self._insert())
                else:
                    log.increments += self._update()
            except Exception as exc:  # every failure is a figure, whatever its kind
                error = error_kind(exc)
                log.samples.setdefault(error, _message(exc))
                if self._reconnect_if_broken():
                    log.reconnects += 1
            log.starts.append(start)
            log.latencies.append(time.monotonic() - start)
            log.is_insert.append(is_insert)
            log.errors.append(error)
        self.connection.close()
        return log

    def _insert(self) -> int:
        self.sequence += 1
        values = [self._value(column) for column in self.plan.columns]
        cursor = self.connection.cursor()
        cursor.execute(self.insert_sql, values)
        if self.plan.spec.backend == "postgresql":
            return int(cursor.fetchone()[0])
        return int(cursor.lastrowid)

    def _value(self, column: str) -> Any:
        if column == "name":
            return f"{self.plan.label}-w{self.index}-{self.sequence}"
        if column == "score":
            return 0
        if column == "team_id":
            return self.rng.choice(self.plan.team_ids)
        return WRITTEN_VALUES[column]

    def _update(self) -> int:
        cursor = self.connection.cursor()
        cursor.execute(self.update_sql, (self.rng.randint(self.plan.id_low, self.plan.id_high),))
        return cursor.rowcount

    def _reconnect_if_broken(self) -> bool:
        connection = self.connection
        broken = (
            getattr(connection, "broken", False) or connection.closed
            if self.plan.spec.backend == "postgresql"
            else not connection.open
        )
        if not broken:
            return False
        with contextlib.suppress(Exception):
            connection.close()
        while True:
            try:
                self.connection = self.plan.spec.connect()
                return True
            except Exception:
                time.sleep(0.1)


def _writer_main(
    plan: WriterPlan, index: int, seed: int, messages: Any, go: Any, stop: Any
) -> None:
    try:
        writer = Writer(plan, index, seed)
        messages.put(("ready", index, None))
        go.wait()
        messages.put(("done", index, writer.run(stop)))
    except BaseException:
        messages.put(("crashed", index, traceback.format_exc()))


class WriterCrashed(Exception):
    """A writer process failed outside of its writes; the message holds its traceback."""


class Writers:
    """``count`` writer processes: started and connected by ``start()``, writing from ``go()``
    until ``stop()``, which returns their logs."""

    def __init__(self, plan: WriterPlan, count: int, seed: int = 0):
        context = multiprocessing.get_context(START_METHOD)
        self._messages = context.Queue()
        self._go = context.Event()
        self._stop = context.Event()
        self._processes = [
            context.Process(
                target=_writer_main,
                args=(plan, index, seed * 1000 + index, self._messages, self._go, self._stop),
                daemon=True,
            )
            for index in range(count)
        ]

    def start(self) -> None:
        for process in self._processes:
            process.start()
        try:
            self._collect("ready", START_TIMEOUT)
        except BaseException:
            self._terminate()
            raise

    def go(self) -> None:
        self._go.set()

    def stop(self) -> list[WriterLog]:
        self._stop.set()
        try:
            logs = self._collect("done", STOP_TIMEOUT)
        finally:
            self._terminate()
        return [logs[index] for index in sorted(logs)]

    def _collect(self, kind: str, timeout: float) -> dict[int, Any]:
        deadline = time.monotonic() + timeout
        received: dict[int, Any] = {}
        while len(received) < len(self._processes):
            try:
                left = max(deadline - time.monotonic(), 0)
                got, index, payload = self._messages.get(timeout=left)
            except queue.Empty:
                raise WriterCrashed(f"writers did not report {kind!r} within {timeout} s") from None
            if got == "crashed":
                raise WriterCrashed(f"writer {index} failed:\n{payload}")
            received[index] = payload
        return received

    def _terminate(self) -> None:
        self._go.set()
        self._stop.set()
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
