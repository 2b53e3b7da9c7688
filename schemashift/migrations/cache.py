"""What loading an app's migrations found, kept beside them so status commands need not import
every migration module again.

One file per app, ``<migrations folder>/__pycache__/schemashift-migrations.cache``. It holds:

- the folder's files, each with its size, ``st_mtime_ns`` and a hash of its bytes: the key.
  The cache is used only when every file is there with the same size and mtime, and no other
  file is; a file changed within ``RACY_NS`` of the cache being written (a clock too coarse to
  tell two writes apart) is also hashed and compared, as git does for its index;
- each migration's header: name, dependencies, run_before, replaces, initial, atomic and its
  checksum (``checksum.py``);
- once the whole project's migrations have been replayed: the app's models in the state they
  leave (``ProjectState``), valid while the project's fingerprint (every app's files and the
  settings) is the one stored with them;
- once ``makemigrations`` found no change: a digest of the app's current models, so that the
  next run with the same models and migrations knows the answer without replaying anything.

A cache that cannot be read (corrupt, from another version of schemashift or Python) is
ignored and rewritten; a folder that cannot be written to just has no cache. The files are
written to a temporary name and renamed, so a reader never sees half a file. Setting
``SCHEMASHIFT_MIGRATION_CACHE=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from schemashift import __version__
from schemashift.migrations.migration import Migration
from schemashift.utils.atomic_file import write_atomically

if TYPE_CHECKING:
    from schemashift.migrations.state import ModelState

Key = tuple[str, str]
#: (size, st_mtime_ns, blake2b digest of the bytes) of one file
FileStamp = tuple[int, int, bytes]

CACHE_FOLDER = "__pycache__"
CACHE_FILE = "schemashift-migrations.cache"
#: files changed this close to the cache being written are checked by their bytes too
RACY_NS = 2_000_000_000
_FORMAT = ("schemashift-migrations", 1, __version__, sys.version_info[:2])


class MigrationHeader(NamedTuple):
    """What the graph and the status commands need of one migration, without its operations
    (a tuple: a thousand of them unpickle in no time)."""

    name: str
    dependencies: tuple[Key, ...]
    run_before: tuple[Key, ...]
    replaces: tuple[Key, ...]
    initial: bool | None
    atomic: bool
    checksum: str

    @classmethod
    def of(cls, migration: Migration, checksum: str) -> MigrationHeader:
        """The header of a loaded migration."""

        def keys(entries: list) -> tuple[Key, ...]:
            return tuple((str(app), str(name)) for app, name in entries)

        return cls(
            migration.name,
            keys(migration.dependencies),
            keys(migration.run_before),
            keys(migration.replaces),
            migration.initial,
            bool(migration.atomic),
            checksum,
        )


@dataclass
class AppCache:
    """The cached facts of one app's migrations folder (see the module docstring)."""

    files: dict[str, FileStamp]
    headers: list[MigrationHeader]
    written_ns: int = 0
    #: the project fingerprint the models (and clean digest) belong to
    project: str | None = None
    #: the pickled ``{key: ModelState}`` of the app's models at the end of the migrations
    models: bytes | None = None
    #: digest of the app's current models when makemigrations last found no change
    clean: str | None = None

    def files_digest(self) -> str:
        """A digest of the folder's contents (names and bytes), for the project fingerprint."""
        hasher = hashlib.blake2b(digest_size=16)
        for name in sorted(self.files):
            hasher.update(name.encode() + b"\0" + self.files[name][2])
        return hasher.hexdigest()


class Folder:
    """One app's migrations folder: its files' stamps, and the cache file beside them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache_path = path / CACHE_FOLDER / CACHE_FILE

    def stats(self) -> dict[str, tuple[int, int]]:
        """``{file name: (size, st_mtime_ns)}`` of the regular files in the folder."""
        found: dict[str, tuple[int, int]] = {}
        with os.scandir(self.path) as entries:
            for entry in entries:
                if entry.name == CACHE_FOLDER or not entry.is_file():
                    continue
                stat = entry.stat()
                found[entry.name] = (stat.st_size, stat.st_mtime_ns)
        return found

    def stamps(self) -> dict[str, FileStamp]:
        """The stamps of the files as they are now, each file's bytes hashed."""
        return {
            name: (size, mtime, self._digest(name)) for name, (size, mtime) in self.stats().items()
        }

    def _digest(self, name: str) -> bytes:
        try:
            return hashlib.blake2b((self.path / name).read_bytes(), digest_size=16).digest()
        except OSError:
            return b""

    def read(self) -> AppCache | None:
        """The cache, if there is one that matches the folder as it is now."""
        try:
            with open(self.cache_path, "rb") as file:
                stored = pickle.load(file)
        except Exception:  # missing, unreadable, corrupt or from another version: rebuilt
            return None
        if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] == _FORMAT):
            return None
        cache = stored[1]
        if not isinstance(cache, AppCache) or not self._matches(cache):
            return None
        return cache

    def _matches(self, cache: AppCache) -> bool:
        try:
            now = self.stats()
        except OSError:
            return False
        if now.keys() != cache.files.keys():
            return False
        racy_after = cache.written_ns - RACY_NS
        for name, (size, mtime) in now.items():
            stored_size, stored_mtime, digest = cache.files[name]
            if size != stored_size or mtime != stored_mtime:
                return False
            if mtime >= racy_after and self._digest(name) != digest:
                return False
        return True

    def write(self, cache: AppCache) -> None:
        """Store the cache atomically; a folder that cannot be written to keeps none."""
        cache.written_ns = time.time_ns()
        try:
            data = pickle.dumps((_FORMAT, cache), protocol=pickle.HIGHEST_PROTOCOL)
            write_atomically(self.cache_path, data)
        except Exception:  # read-only folder, full disk, unpicklable value: no cache
            return


def pickled_models(models: dict[Key, ModelState]) -> bytes | None:
    """The model states as bytes, or None when one holds a value pickle cannot store (a
    lambda as a default): that state is then not cached."""
    try:
        return pickle.dumps(models, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


def unpickled_models(data: bytes) -> dict[Key, ModelState] | None:
    """The model states stored by ``pickled_models`` (None if they cannot be read back)."""
    try:
        models = pickle.loads(data)
    except Exception:
        return None
    return models if isinstance(models, dict) else None


class CachedMigration(Migration):
    """A migration known from the cache: its header now, its file imported only when its
    operations (or anything else the header does not hold) are first asked for."""

    def __init__(
        self, app_label: str, header: MigrationHeader, load: Callable[[], Migration]
    ) -> None:
        self.name = header.name
        self.app_label = app_label
        self.dependencies = list(header.dependencies)
        self.run_before = list(header.run_before)
        self.replaces = list(header.replaces)
        self.initial = header.initial
        self.atomic = header.atomic
        self.checksum = header.checksum
        self._load = load
        self._loaded: Migration | None = None

    @property
    def loaded(self) -> Migration:
        """The migration imported from its file."""
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    @property
    def operations(self) -> list[Any]:  # type: ignore[override]
        return self.loaded.operations

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.loaded, name)


_PLAIN = frozenset({str, int, bool, float, type(None)})


def models_digest(models: list[ModelState]) -> str:
    """A digest of model states that is the same for equal models in any process: each field
    as it deconstructs, options, bases, managers and staged columns."""
    from schemashift.migrations.checksum import normal_form

    hasher = hashlib.blake2b(digest_size=16)
    for model in sorted(models, key=lambda model: model.key):
        fields = [(name, _field_form(model_field)) for name, model_field in model.fields.items()]
        shadows = [(name, _field_form(shadow)) for name, shadow in sorted(model.shadows.items())]
        parts = (
            model.app_label,
            model.name,
            fields,
            normal_form(model.options),
            tuple(model.bases),
            normal_form(model.managers),
            shadows,
        )
        hasher.update(repr(parts).encode())
    return hasher.hexdigest()


def _field_form(model_field: Any) -> tuple[Any, ...]:
    path, args, kwargs = model_field.deconstruct()[-3:]
    return (path, [_stable(arg) for arg in args], [(k, _stable(v)) for k, v in kwargs.items()])


def _stable(value: Any) -> Any:
    """The value as text that is the same in any process (functions by where they live)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is types.FunctionType or kind is types.BuiltinFunctionType:
        return ("function", value.__module__, value.__qualname__)
    from schemashift.migrations.checksum import normal_form

    return normal_form(value)
