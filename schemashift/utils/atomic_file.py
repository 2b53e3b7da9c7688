"""Writing a cache file so that a reader sees the old file or the new one, never a part."""

from __future__ import annotations

import os
import time
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a file of its own beside ``path`` (created as the user's umask says,
    as Python writes ``.pyc`` files), then move it over ``path``; the parent folders are made
    where missing. Errors are the caller's to catch; no temporary file is left behind."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    try:
        with open(temporary, "xb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
