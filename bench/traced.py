"""Run a project's ``manage.py`` recording every statement SQLite executes.

    python traced.py TRACE.json manage.py ARGS...   (in the project's folder)

Each SQLite connection the command opens gets the driver's trace callback, whichever tool
opens it; the statements (with their parameters filled in) are written to TRACE.json as a
list when the command ends, however it ends.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import sqlite3
import sqlite3.dbapi2
import sys
from pathlib import Path


def main() -> None:
    out, script, *args = sys.argv[1:]
    statements: list[str] = []
    connect = sqlite3.dbapi2.connect

    def traced_connect(*a, **k):  # type: ignore[no-untyped-def]
        connection = connect(*a, **k)
        connection.set_trace_callback(statements.append)
        return connection

    sqlite3.dbapi2.connect = traced_connect
    sqlite3.connect = traced_connect
    atexit.register(lambda: Path(out).write_text(json.dumps(statements)))
    sys.argv = [script, *args]
    sys.path.insert(0, os.getcwd())
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
