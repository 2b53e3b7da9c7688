"""The live-upgrade harness (bench/live/run.py) runs every scenario with both tools, at a tiny
size, and reports a figure for everything it measures. Nothing here asserts on speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

LIVE_RUN = Path(__file__).parents[2] / "bench" / "live" / "run.py"
SCENARIO_KEYS = [
    "nullable-column",
    "not-null-default",
    "index",
    "nullable-fk",
    "null-to-not-null",
    "int-to-bigint",
    "unique",
]
ADDITIVE = {"nullable-column", "not-null-default", "index", "nullable-fk"}
#: the error of an INSERT leaving out a NOT NULL column without a default
NOT_NULL_ERRORS = {"postgresql": "23502 NotNullViolation", "mysql": "1364 OperationalError"}
FOREIGN_ENV = ("SCHEMASHIFT_SETTINGS", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")


@pytest.fixture
def live_report(backend: str, backend_url: str, tmp_path: Path) -> tuple[dict, str]:
    """The harness's JSON and printed output at 500 rows, 2 writers and short windows.

    It connects through the test's own database and names its two databases after it, so
    that runs side by side do not meet; it drops them at the end."""
    report = tmp_path / "live.json"
    prefix = make_url(backend_url).database
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    result = subprocess.run(
        [sys.executable, str(LIVE_RUN), "--database-url", backend_url]
        + ["--rows", "500", "--writers", "2", "--lead", "0.2", "--tail", "0.3"]
        + ["--database-prefix", prefix, "--json", str(report)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(report.read_text()), result.stdout


def assert_window_is_sane(window: dict, where: str) -> None:
    assert window["writes"] > 0, where
    assert 0 <= window["failed"] <= window["writes"], where
    assert sum(window["errors"].values()) == window["failed"], where
    assert 0 <= window["p99"] <= window["worst"], where


def assert_every_scenario_is_reported(report: dict, backend: str, printed: str) -> None:
    assert report["backend"] == backend
    assert report["rows"] == 500 and report["writers"] == 2
    assert report["server"].startswith("PostgreSQL " if backend == "postgresql" else "MariaDB ")
    assert f"Live migrations on {report['server']}: 500 rows, 2 writers" in printed
    assert set(report["results"]) == {"schemashift", "django"}
    for tool, results in report["results"].items():
        assert [result["key"] for result in results] == SCENARIO_KEYS, tool
        for number, result in enumerate(results, start=1):
            where = f"{tool} {result['key']}"
            assert result["outcome"] in ("ok", "failed"), where
            if tool == "schemashift" or result["key"] in ADDITIVE:
                assert result["outcome"] == "ok", f"{where}: {result['error']}"
            assert result["migration"] == f"{number + 1:04d}_{result['key'].replace('-', '_')}"
            assert result["migrate_seconds"] > 0, where
            assert_window_is_sane(result["during"], f"{where}, during")
            assert_window_is_sane(result["after"], f"{where}, after")
            assert result["inserts_acknowledged"] > 0, where
            assert result["increments_acknowledged"] > 0, where
            assert result["deadlocks"] >= 0, where
            assert isinstance(result["lost_rows"], int), where
            assert isinstance(result["lost_updates"], int), where
            if result["key"] in ADDITIVE:
                assert result["lost_rows"] == 0, where
                assert result["lost_updates"] == 0, where
                assert result["score_sum_change"] == result["increments_acknowledged"], where


def assert_django_fails_the_old_version_after_dropping_the_default(
    report: dict, backend: str, printed: str
) -> None:
    """Django adds a NOT NULL column with its default, then drops the default: the previous
    app version's INSERTs, which leave the column out, fail from then on."""
    django = {result["key"]: result for result in report["results"]["django"]}
    after = django["not-null-default"]["after"]
    assert after["failed"] > 0
    assert set(after["errors"]) == {NOT_NULL_ERRORS[backend]}
    assert "status" in django["not-null-default"]["error_samples"][NOT_NULL_ERRORS[backend]]
    assert f"Django, 2 NOT NULL + default: {after['failed']} writes after failed" in printed
    assert django["nullable-column"]["after"]["failed"] == 0


@pytest.mark.slow
@pytest.mark.backends("postgresql", "mysql")
def test_live_harness_reports_every_scenario_for_both_tools(
    backend: str, live_report: tuple[dict, str]
) -> None:
    """Every scenario has every figure, none lost by the additive ones; and the failures the
    writers meet are counted (Django's INSERTs of the previous version, after scenario 2)."""
    report, printed = live_report
    assert_every_scenario_is_reported(report, backend, printed)
    assert_django_fails_the_old_version_after_dropping_the_default(report, backend, printed)
