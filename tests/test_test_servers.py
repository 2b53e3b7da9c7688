"""The test servers: a backend whose server cannot start is skipped with the reason, and
under CI=true it fails instead."""

from __future__ import annotations

import pytest
from support.servers import SERVER_URL_ENV, ServerPool, ServerUnavailable


def _broken() -> None:
    raise ServerUnavailable("initdb is not on PATH")


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> ServerPool:
    monkeypatch.delenv(SERVER_URL_ENV["postgresql"], raising=False)
    return ServerPool({"postgresql": _broken})


def test_a_missing_server_skips_with_its_reason(
    pool: ServerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no postgresql server: initdb is not on PATH"):
        pool.admin_url("postgresql")


def test_under_ci_a_missing_server_fails(pool: ServerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no postgresql server: initdb is not on PATH"):
        pool.admin_url("postgresql")


def test_a_given_url_is_used_without_starting_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVER_URL_ENV["postgresql"], "postgresql+psycopg://u@127.0.0.1:1/db")
    pool = ServerPool({"postgresql": _broken})
    assert pool.admin_url("postgresql") == "postgresql+psycopg://u@127.0.0.1:1/db"


def test_an_unexpected_start_error_is_reported_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SERVER_URL_ENV["mysql"], raising=False)
    monkeypatch.delenv("CI", raising=False)
    calls: list[int] = []

    def crashing() -> None:
        calls.append(1)
        raise ModuleNotFoundError("No module named 'pymysql'")

    pool = ServerPool({"mysql": crashing})
    for _ in range(2):
        with pytest.raises(pytest.skip.Exception, match="ModuleNotFoundError: No module named"):
            pool.admin_url("mysql")
    assert calls == [1]
