"""What a command read from disk, stamped, so that a later run can tell whether any of it changed.

A run reads the source of every module it imports (the settings, the apps, their models and
whatever those import, schemashift and the libraries it uses) and lists folders to find
migration files and modules. ``collect`` stamps both once the command is done:

- every imported module's file (the standard library aside: it changes only with Python) by
  its size and ``st_mtime_ns``; a file changed within ``RACY_NS`` of the stamps being taken (a
  clock too coarse to tell two writes apart) is also hashed, as git does for its index;
- each folder given (the apps' folders, their migrations folders): the names in it and the
  stamp of each file, so that a file added, deleted or renamed there is seen too, imported or
  not.

``unchanged`` answers whether everything is still as stamped. It is cheap: one ``stat`` per
file, one ``scandir`` per folder, a hash only for racy files.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from typing import Any

#: (size, st_mtime_ns, blake2b digest of the bytes or b"" when the file was not racy)
FileStamp = tuple[int, int, bytes]

#: files changed this close to the stamps being taken are checked by their bytes too
RACY_NS = 2_000_000_000
_SKIPPED_FOLDERS = frozenset({"__pycache__"})


class SourceStamps:
    """The stamps of the files and folders one run read.

    (A plain class, not a dataclass: building one costs a replayed command nothing.)
    """

    __slots__ = ("files", "folders", "taken_ns")

    def __init__(
        self,
        files: dict[str, FileStamp],
        folders: dict[str, frozenset[str] | None],
        taken_ns: int,
    ) -> None:
        self.files = files
        #: folder -> the names in it (``__pycache__`` aside); None for a folder that was missing
        self.folders = folders
        self.taken_ns = taken_ns

    def as_data(self) -> tuple[Any, ...]:
        """The stamps as plain data (for ``marshal``)."""
        return (self.files, self.folders, self.taken_ns)

    @classmethod
    def from_data(cls, data: Any) -> SourceStamps:
        """The stamps ``as_data`` gave (ValueError for anything else)."""
        files, folders, taken_ns = data
        if not (isinstance(files, dict) and isinstance(folders, dict)):
            raise ValueError("not source stamps")
        return cls(files, folders, int(taken_ns))

    def unchanged(self) -> bool:
        """Whether every folder holds the same names and every file is as stamped."""
        try:
            for folder, names in self.folders.items():
                if _names(folder) != names:
                    return False
            racy_after = self.taken_ns - RACY_NS
            for path, (size, mtime, digest) in self.files.items():
                stat = os.stat(path)
                if stat.st_size != size or stat.st_mtime_ns != mtime:
                    return False
                if mtime >= racy_after and _digest(path) != digest:
                    return False
        except (OSError, TypeError, ValueError):  # gone, or stamps of another shape
            return False
        return True


def collect(folders: Iterable[str], started_ns: int) -> SourceStamps | None:
    """Stamp the imported modules' files and the ``folders``; None when something the run read
    changed while it ran (modified at or after ``started_ns``) or cannot be stamped."""
    taken_ns = time.time_ns()
    racy_after = taken_ns - RACY_NS
    files: dict[str, FileStamp] = {}
    listed: dict[str, frozenset[str] | None] = {}
    try:
        paths = set(_module_files())
        for folder in folders:
            names = _names(folder)
            listed[folder] = names
            for name in names or ():
                path = os.path.join(folder, name)
                if os.path.isfile(path):
                    paths.add(path)
        for path in paths:
            stat = os.stat(path)
            if stat.st_mtime_ns >= started_ns:
                return None
            racy = stat.st_mtime_ns >= racy_after
            files[path] = (stat.st_size, stat.st_mtime_ns, _digest(path) if racy else b"")
    except OSError:
        return None
    return SourceStamps(files, listed, taken_ns)


def _module_files() -> list[str]:
    """The files of the imported modules, the standard library's aside."""
    stdlib = os.path.dirname(os.__file__) + os.sep
    found = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            continue
        if path.startswith(stdlib) and "-packages" not in path:
            continue
        found.append(os.path.abspath(path))
    return found


def _names(folder: str) -> frozenset[str] | None:
    try:
        with os.scandir(folder) as entries:
            return frozenset(entry.name for entry in entries if entry.name not in _SKIPPED_FOLDERS)
    except FileNotFoundError:
        return None


def _digest(path: str) -> bytes:
    import hashlib  # only for racy files: the common case does without loading OpenSSL

    with open(path, "rb") as file:
        return hashlib.blake2b(file.read(), digest_size=16).digest()
