"""Kill ``manage.py`` with SIGKILL at a chosen database statement, as a power cut or the OOM
killer would (``crash(project, "migrate", CRASH_MATCH=..., ...)``), for the tests of resuming."""

from __future__ import annotations

import os
import signal
import subprocess

from support.tutorial import ok

CRASH_DRIVER = '''\
"""manage.py, killed with SIGKILL at the CRASH_NTH statement matching CRASH_MATCH (before it
runs, or after it with CRASH_WHEN=after), counted once a statement matching CRASH_ARM ran."""

import os
import re
import runpy
import signal
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

match = re.compile(os.environ["CRASH_MATCH"], re.IGNORECASE)
arm = re.compile(os.environ.get("CRASH_ARM", ""), re.IGNORECASE)
when = os.environ.get("CRASH_WHEN", "before")
left = int(os.environ.get("CRASH_NTH", "1"))
armed = not os.environ.get("CRASH_ARM")


def count(statement):
    global left
    if armed and match.search(statement):
        left -= 1
        if left == 0:
            os.kill(os.getpid(), signal.SIGKILL)


@event.listens_for(Engine, "before_cursor_execute")
def before(conn, cursor, statement, parameters, context, executemany):
    if when == "before":
        count(statement)


@event.listens_for(Engine, "after_cursor_execute")
def after(conn, cursor, statement, parameters, context, executemany):
    global armed
    if when == "after":
        count(statement)
    if not armed and arm.search(statement):
        armed = True


sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
'''

#: kill points tried by the exhaustive tests: each one with SCHEMASHIFT_FAULT_POINTS=all,
#: every eighth one by default (each costs three fresh interpreters)
STRIDE = 1 if os.environ.get("SCHEMASHIFT_FAULT_POINTS") == "all" else 8


def at_least(points: int) -> int:
    """The kills a test trying every STRIDE-th of at least ``points`` kill points makes."""
    return max(1, points // STRIDE)


def crash(project, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py *args`` under the crash driver; SIGKILL shows as -9."""
    (project.dir / "crash.py").write_text(CRASH_DRIVER)
    return project.run_python(["crash.py", *args], env=env)


def killed(result: subprocess.CompletedProcess[str]) -> bool:
    if result.returncode == -signal.SIGKILL:
        return True
    ok(result)  # the kill point was never reached: the run finished normally
    return False
