"""Graphviz for the tests: its ``dot`` program, and what an SVG it drew contains.

Without ``dot`` on PATH a test that needs it is skipped, except under CI=true, where
scripts/install-test-servers.sh installs Graphviz and a missing ``dot`` is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def dot_program() -> str:
    """The path of ``dot``; skips the test (fails it under CI) when there is none."""
    program = shutil.which("dot")
    if program is None:
        reason = "Graphviz's dot is not on PATH (apt-get install graphviz)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return program


def draw_svg(dot_source: str) -> str:
    """``dot -Tsvg`` of the source; the test fails if Graphviz refuses it."""
    result = subprocess.run(
        [dot_program(), "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def svg_shapes(svg: str) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The node names, the ``(tail, head)`` of the edges and the cluster names of an SVG drawn
    by Graphviz (each group's ``<title>``)."""
    root = ET.fromstring(svg)
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    clusters: set[str] = set()
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        kind = group.get("class")
        if kind == "node":
            nodes.add(title.text)
        elif kind == "edge":
            tail, _, head = title.text.partition("->")
            edges.add((tail, head))
        elif kind == "cluster":
            clusters.add(title.text)
    return nodes, edges, clusters
