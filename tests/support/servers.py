"""Throwaway PostgreSQL and MariaDB servers for the test suite.

Each server gets a data folder in a temporary directory (in memory, under /dev/shm, where the
machine has room there) and a free port on 127.0.0.1, and is stopped (its folder removed) at
the end of the run. PostgreSQL refuses to run as root, so as
root it runs as the ``postgres`` user. ``start_*`` raise ``ServerUnavailable`` with the reason
when the server cannot be started (binaries missing, start-up failure).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

_START_TIMEOUT = 60
#: memory-backed storage for the data folders: a server's DDL there costs no disk flushes
#: (MariaDB's CREATE/ALTER/DROP TABLE: under 1 ms each, against 12-18 ms on this disk)
_MEMORY_FOLDER = Path("/dev/shm")
#: the room the data folders need before they go there
_MEMORY_NEEDED = 2 * 1024**3


class ServerUnavailable(Exception):
    """The server could not be started; the message says why."""


@dataclass
class Server:
    """A running server: the URL of its admin database and how to stop it."""

    backend: str
    url: str
    folder: Path
    stop_command: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.stop_command:
            subprocess.run(self.stop_command, capture_output=True, timeout=60, check=False)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def data_folder(prefix: str) -> Path:
    """A new folder for a server's data: in memory where the machine has room for it, else in
    the temporary directory."""
    try:
        room = shutil.disk_usage(_MEMORY_FOLDER).free
    except OSError:
        room = 0
    in_memory = room >= _MEMORY_NEEDED and os.access(_MEMORY_FOLDER, os.W_OK | os.X_OK)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_MEMORY_FOLDER if in_memory else None))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen | None, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerUnavailable(f"the server exited at start-up:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise ServerUnavailable(f"the server did not listen on port {port}:\n{_tail(log)}")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _run(command: list[str], what: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerUnavailable(f"{what} failed: {exc}") from None
    if result.returncode != 0:
        raise ServerUnavailable(f"{what} failed:\n{result.stdout}\n{result.stderr}")


# -- PostgreSQL -------------------------------------------------------------------------------


def start_postgresql() -> Server:
    """initdb + pg_ctl start on a free port, trust authentication for ``postgres``."""
    for program in ("initdb", "pg_ctl"):
        if shutil.which(program) is None:
            raise ServerUnavailable(f"{program} is not on PATH (install PostgreSQL 15)")
    as_user: list[str] = []
    folder = data_folder("schemashift-pg-")
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable("running as root and there is no 'postgres' user") from None
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    _run(
        [*as_user, "initdb", "-D", str(data), "-U", "postgres", "--auth=trust"]
        + ["-E", "UTF8", "--locale=C", "--no-sync"],
        "initdb",
    )
    options = (
        f"-p {port} -h 127.0.0.1 -k {folder} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    server = Server(
        "postgresql",
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
        folder,
        stop_command=[*as_user, "pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
    )
    try:
        _run(
            [*as_user, "pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            "pg_ctl start",
        )
        _wait_for_port(port, None, log)
    except BaseException:
        server.stop()
        raise
    return server


# -- MariaDB ----------------------------------------------------------------------------------


def _mariadb_programs() -> tuple[str, str]:
    server = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if not Path(server).exists() or install is None:
        raise ServerUnavailable("mariadbd is not installed (apt-get install mariadb-server)")
    return server, install


def start_mariadb() -> Server:
    """mariadb-install-db + mariadbd on a free port; ``root`` without a password."""
    server_program, install = _mariadb_programs()
    folder = data_folder("schemashift-mariadb-")
    data, log = folder / "data", folder / "server.log"
    user = ["--user=root"] if os.geteuid() == 0 else []
    _run(
        [install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal"]
        + ["--skip-test-db", *user],
        "mariadb-install-db",
    )
    port = free_port()
    command = [
        server_program,
        "--no-defaults",
        f"--datadir={data}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--socket={folder / 'mysqld.sock'}",
        f"--pid-file={folder / 'mysqld.pid'}",
        f"--log-error={log}",
        "--skip-name-resolve",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--innodb-flush-method=nosync",
        "--max-connections=300",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        *user,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    server = Server("mysql", "", folder, process=process)
    try:
        _wait_for_port(port, process, log)
        _grant_root_over_tcp(folder / "mysqld.sock")
    except BaseException:
        server.stop()
        raise
    server.url = f"mysql+pymysql://root@127.0.0.1:{port}/mysql?charset=utf8mb4"
    return server


def _grant_root_over_tcp(socket_path: Path) -> None:
    """mariadb-install-db creates root@localhost only; tests connect to 127.0.0.1."""
    import pymysql

    statements = [
        "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'",
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
    ]
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        try:
            connection = pymysql.connect(unix_socket=str(socket_path), user="root")
            break
        except pymysql.err.OperationalError as exc:
            if time.monotonic() > deadline:
                raise ServerUnavailable(f"cannot connect to MariaDB as root: {exc}") from None
            time.sleep(0.2)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


STARTERS = {"postgresql": start_postgresql, "mysql": start_mariadb}
#: environment variables naming an already running server's admin URL, instead of starting one
SERVER_URL_ENV = {
    "postgresql": "SCHEMASHIFT_TEST_POSTGRESQL_URL",
    "mysql": "SCHEMASHIFT_TEST_MYSQL_URL",
}


class ServerPool:
    """Servers started on first use and stopped when the run ends; a failed start is kept so
    every test of that backend reports the same reason without trying again."""

    def __init__(self, starters: dict[str, Callable[[], Server]] | None = None) -> None:
        self.starters = STARTERS if starters is None else starters
        self._urls: dict[str, str] = {}
        self._failures: dict[str, str] = {}
        self._servers: list[Any] = []

    def admin_url(self, backend: str) -> str:
        """The admin URL of the backend's server, skipping (failing under CI) without one."""
        if backend not in self._urls and backend not in self._failures:
            given = os.environ.get(SERVER_URL_ENV[backend])
            if given:
                self._urls[backend] = given
            else:
                try:
                    server = self.starters[backend]()
                except ServerUnavailable as exc:
                    self._failures[backend] = str(exc)
                except Exception as exc:  # a broken start is reported once, not retried
                    self._failures[backend] = f"{type(exc).__name__}: {exc}"
                else:
                    self._servers.append(server)
                    self._urls[backend] = server.url
        if backend in self._failures:
            message = f"no {backend} server: {self._failures[backend]}"
            if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        return self._urls[backend]

    def stop_all(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()
