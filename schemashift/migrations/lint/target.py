"""The server a migration is linted for: its backend and version.

Given by ``--server postgresql:14`` (also ``mysql:8.0.30``, ``mariadb:10.11``, ``sqlite``), read
from the server with ``--database``, or else the backend of the default database at the
oldest version schemashift supports (PostgreSQL 12, MariaDB 10.6; MySQL with no version, which
``mysql_online.py`` reads as the oldest). The SQL is then written for a SQLAlchemy dialect of
that server that never connects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schemashift.exceptions import CommandError

#: name given -> (schemashift backend, whether MariaDB)
_KINDS = {
    "postgresql": ("postgresql", False),
    "postgres": ("postgresql", False),
    "mysql": ("mysql", False),
    "mariadb": ("mysql", True),
    "sqlite": ("sqlite", False),
}
#: the version assumed when none is given: the oldest supported
CONSERVATIVE_VERSIONS: dict[tuple[str, bool], tuple[int, ...] | None] = {
    ("postgresql", False): (12,),
    ("mysql", True): (10, 6),
    ("mysql", False): None,
    ("sqlite", False): None,
}
_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "sqlite": "sqlite"}
_SERVER = re.compile(r"^([a-z]+)(?::(\d+(?:\.\d+){0,2}))?$")


@dataclass(frozen=True)
class Target:
    """A backend (``postgresql``, ``mysql`` or ``sqlite``), MariaDB or not, and the version."""

    backend: str
    is_mariadb: bool = False
    version: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, text: str) -> Target:
        """``postgresql:14``, ``mysql:8.0.30``, ``mariadb:10.11``, ``sqlite``."""
        found = _SERVER.match(text.strip().lower())
        if found is None or found.group(1) not in _KINDS:
            raise CommandError(
                f"Cannot lint for server '{text}': write it as postgresql:14, mysql:8.0, "
                "mariadb:10.11 or sqlite."
            )
        backend, is_mariadb = _KINDS[found.group(1)]
        version = found.group(2)
        if version is None:
            return cls(backend, is_mariadb, CONSERVATIVE_VERSIONS[backend, is_mariadb])
        return cls(backend, is_mariadb, tuple(int(part) for part in version.split(".")))

    @classmethod
    def of_dialect(cls, dialect: Any) -> Target:
        """The server a connected dialect talks to."""
        version = getattr(dialect, "server_version_info", None)
        numbers = tuple(part for part in version if isinstance(part, int)) if version else None
        is_mariadb = bool(getattr(dialect, "is_mariadb", False))
        backend = "mysql" if dialect.name in ("mysql", "mariadb") else dialect.name
        return cls(backend, is_mariadb, numbers)

    @classmethod
    def conservative(cls, url: str) -> Target:
        """The backend of a database URL, at the oldest version supported."""
        scheme = url.partition(":")[0].partition("+")[0].lower()
        if scheme not in _KINDS:
            raise CommandError(f"Cannot lint for the database {scheme}: give --server.")
        backend, is_mariadb = _KINDS[scheme]
        return cls(backend, is_mariadb, CONSERVATIVE_VERSIONS[backend, is_mariadb])

    def dialect(self) -> Any:
        """A SQLAlchemy dialect of this server that never connects (SQLAlchemy imported now)."""
        from sqlalchemy.engine import make_url

        dialect = make_url(f"{_DRIVERS[self.backend]}://").get_dialect()()
        dialect.server_version_info = self.version
        if self.backend == "mysql":
            dialect.is_mariadb = self.is_mariadb
        return dialect

    def is_at_least(self, *version: int) -> bool:
        """Whether the version is known and at least ``version``."""
        return self.version is not None and self.version >= version

    def __str__(self) -> str:
        name = "mariadb" if self.is_mariadb else self.backend
        if self.version is None:
            return name
        return f"{name} {'.'.join(map(str, self.version))}"


__all__ = ["CONSERVATIVE_VERSIONS", "Target"]
