"""Run a command with its stdout on a pseudo-terminal, as a user's shell would, and read what
it drew there as plain text."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: colours, cursor moves and line clears a terminal program writes
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class TerminalRun:
    returncode: int
    #: everything written to the terminal, escape sequences removed, one entry per line
    #: written (a line redrawn in place appears once per drawing)
    lines: list[str]
    stderr: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def run_in_terminal(
    args: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 120
) -> TerminalRun:
    """Run ``python *args`` with stdout on a pseudo-terminal of 160 columns; stderr piped."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env={**env, "COLUMNS": "160", "LINES": "40", "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
    )
    os.close(terminal)
    written = bytearray()
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], timeout)
            if not ready:
                process.kill()
                raise TimeoutError(f"{args} wrote nothing for {timeout} s")
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the program ended and closed the terminal
                break
            if not chunk:
                break
            written += chunk
        stderr = process.stderr.read().decode() if process.stderr else ""
        returncode = process.wait(timeout)
    finally:
        os.close(controller)
        if process.stderr:
            process.stderr.close()
    text = ESCAPE.sub("", written.decode(errors="replace"))
    lines = [part for line in text.split("\n") for part in line.split("\r") if part.strip()]
    return TerminalRun(returncode, lines, stderr)
