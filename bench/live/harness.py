"""One tool's run: its database and project, the filled table, then every scenario in turn."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from figures import ScenarioResult, measure
from projects import Project, write_project
from scenarios import ACCOUNT_TABLE, SCENARIOS, TEAM_TABLE, Scenario, account_columns
from server import ConnectionSpec, Server, fill, id_range, ids_above, ids_of, snapshot
from writers import WriterCrashed, WriterPlan, Writers

TEAMS = 10


@dataclass(frozen=True)
class Options:
    rows: int
    writers: int
    #: writes per second per writer (0: as fast as the server takes them)
    rate: float
    #: seconds the writers run before migrate starts and after it ends
    lead: float
    tail: float
    #: the scenarios to measure; those before the last of them that are not chosen are applied
    #: without writers, so each chosen one starts from the state it has in a full run
    scenarios: tuple[Scenario, ...]
    migrate_timeout: float


class SetupFailed(Exception):
    """The initial migration of a tool's project failed; the message says how."""


@dataclass(frozen=True)
class Table:
    """The filled table's fixed facts the writers need."""

    spec: ConnectionSpec
    id_low: int
    id_high: int
    team_ids: tuple[int, ...]


def run_tool(
    server: Server,
    tool: str,
    folder: Path,
    database: str,
    options: Options,
    log: Callable[[str], None],
) -> list[ScenarioResult]:
    """Create ``tool``'s database and project, migrate and fill it, then run the scenarios."""
    spec = server.recreate_database(database)
    project = write_project(folder, tool, server.database_url(database))
    for step in (project.makemigrations("initial"), project.migrate()):
        if not step.is_ok:
            raise SetupFailed(f"{tool}: the initial migration failed: {step.error}\n{step.output}")
    log(f"{tool}: filling {ACCOUNT_TABLE} with {options.rows:,} rows")
    fill(spec, ACCOUNT_TABLE, TEAM_TABLE, options.rows, TEAMS)
    table = Table(spec, *id_range(spec, ACCOUNT_TABLE), tuple(ids_of(spec, TEAM_TABLE)))
    measured = {scenario.number for scenario in options.scenarios}
    results = []
    for scenario in SCENARIOS[: max(measured)]:
        project.write_models(scenario.number)
        if scenario.number in measured:
            log(f"{tool}: {scenario.number} {scenario.key}")
            results.append(run_scenario(project, scenario, table, options))
            log(f"{tool}: {scenario.number} {scenario.key}: {results[-1].outcome}")
        else:
            log(f"{tool}: {scenario.number} {scenario.key} (without writers, to reach the next)")
            for step in (project.makemigrations(migration_name(scenario)), project.migrate()):
                if not step.is_ok:
                    log(f"{tool}: {scenario.key} failed: {step.error}")
                    break
    return results


def migration_name(scenario: Scenario) -> str:
    return scenario.key.replace("-", "_")


def run_scenario(
    project: Project, scenario: Scenario, table: Table, options: Options
) -> ScenarioResult:
    """Make the scenario's migration, then migrate it with the writers of the previous app
    version running from ``options.lead`` seconds before until ``options.tail`` after."""
    result = ScenarioResult(scenario.number, scenario.key, project.tool, outcome="failed")
    made = project.makemigrations(migration_name(scenario))
    if not made.is_ok:
        result.error = f"makemigrations: {made.error}"
        return result
    result.migration = project.migrations()[-1]
    plan = WriterPlan(
        spec=table.spec,
        table=ACCOUNT_TABLE,
        columns=account_columns(scenario.number - 1),
        id_low=table.id_low,
        id_high=table.id_high,
        team_ids=table.team_ids,
        label=f"{project.tool}-{scenario.number}",
        rate=options.rate,
    )
    before = snapshot(table.spec, ACCOUNT_TABLE)
    writers = Writers(plan, options.writers, seed=scenario.number)
    try:
        writers.start()
    except WriterCrashed as exc:
        result.outcome, result.error = "not run", f"the writers did not start: {exc}"
        return result
    writers.go()
    time.sleep(options.lead)
    run = project.migrate(timeout=options.migrate_timeout)
    time.sleep(options.tail)
    logs = writers.stop()
    after = snapshot(table.spec, ACCOUNT_TABLE)
    inserted = ids_above(table.spec, ACCOUNT_TABLE, before.max_id)
    result.outcome = "ok" if run.is_ok else "failed"
    result.error = None if run.is_ok else f"migrate: {run.error}"
    measure(result, table.spec.backend, logs, run, before, after, inserted)
    return result
