"""The table of results, one row per scenario and the tools side by side; and the JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from figures import ScenarioResult
from projects import TOOL_TITLES
from scenarios import SCENARIOS

#: (header, cell) per figure; each gets one column per tool
FIGURES = (
    ("migrate", lambda r: _migrate(r)),
    ("stall / p99 (s)", lambda r: _pair(r.during.worst, r.during.p99, "{:.2f}")),
    ("failed writes\nduring / after", lambda r: _pair(r.during.failed, r.after.failed)),
    ("deadlocks", lambda r: _number(r.deadlocks if r.migrate_seconds is not None else None)),
    ("lost rows /\nupdates", lambda r: _pair(r.lost_rows, r.lost_updates)),
)
CAPTION = (
    "stall: the longest write overlapping migrate; p99: of those writes. Failed writes: during "
    "migrate / after it ended, by the previous app version."
)
#: the width the table may take when the output is not a terminal (a file, a pipe)
WIDTH_OFF_TERMINAL = 200


def _number(value: float | None, form: str = "{}") -> str:
    return "-" if value is None else form.format(value)


def _pair(first: float | None, second: float | None, form: str = "{}") -> str:
    return f"{_number(first, form)} / {_number(second, form)}"


def _migrate(result: ScenarioResult) -> str:
    if result.migrate_seconds is None:
        return result.outcome
    return f"{result.outcome} {result.migrate_seconds:.2f} s"


def table_rows(
    results: dict[str, list[ScenarioResult]], tools: list[str]
) -> tuple[list[str], list[list[str]]]:
    """The headers and the rows: the scenario, then each figure for each tool."""
    headers = ["scenario"] + [
        f"{header}\n{TOOL_TITLES[tool]}" for header, _ in FIGURES for tool in tools
    ]
    by_key = {tool: {r.scenario: r for r in results.get(tool, [])} for tool in tools}
    numbers = sorted({r.scenario for tool_results in results.values() for r in tool_results})
    rows = []
    for number in numbers:
        scenario = SCENARIOS[number - 1]
        row = [f"{number} {scenario.label}"]
        for _, cell in FIGURES:
            for tool in tools:
                found = by_key[tool].get(number)
                row.append(cell(found) if found else "-")
        rows.append(row)
    return headers, rows


def notes(results: dict[str, list[ScenarioResult]], tools: list[str]) -> list[str]:
    """One line per failed step, and per kind of writer error, under the table."""
    lines = []
    for tool in tools:
        for result in results.get(tool, []):
            where = f"{TOOL_TITLES[tool]}, {result.scenario} {SCENARIOS[result.scenario - 1].label}"
            if result.error:
                lines.append(f"{where}: {result.error}")
            for when, figures in (("during", result.during), ("after", result.after)):
                for kind, count in figures.errors.items():
                    sample = result.error_samples.get(kind, "")
                    lines.append(f"{where}: {count} writes {when} failed, {kind}: {sample}")
    return lines


def print_table(title: str, results: dict[str, list[ScenarioResult]], tools: list[str]) -> None:
    headers, rows = table_rows(results, tools)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        _print_plain(title, headers, rows)
    else:
        console = Console()
        if not console.is_terminal:
            console = Console(width=WIDTH_OFF_TERMINAL)
        table = Table(title=title, caption=CAPTION)
        for i, header in enumerate(headers):
            table.add_column(header, justify="left" if i == 0 else "right", no_wrap=True)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in notes(results, tools):
        print(line)


def _print_plain(title: str, headers: list[str], rows: list[list[str]]) -> None:
    flat = [header.replace("\n", " ") for header in headers]
    widths = [max(len(row[i]) for row in [flat, *rows]) for i in range(len(flat))]
    print(title)
    for row in [flat, *rows]:
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
        cells[0] = row[0].ljust(widths[0])
        print("  ".join(cells))
    print(CAPTION)


def write_json(path: Path, meta: dict[str, Any], results: dict[str, list[ScenarioResult]]) -> None:
    figures = {tool: [result.as_json() for result in found] for tool, found in results.items()}
    document = meta | {"results": figures}
    path.write_text(json.dumps(document, indent=2) + "\n")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
