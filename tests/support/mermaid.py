"""A strict reader of the Mermaid that schemashift writes: every line must be one statement of
a ``flowchart`` or an ``erDiagram`` in the subset of the grammar below, or the reader raises
MermaidSyntaxError naming the line. It returns what the diagram declares, for tests to compare
with the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: words a flowchart node id must not be (Mermaid reads them as keywords)
KEYWORDS = {"end", "subgraph", "graph", "flowchart", "class", "classDef", "style", "click"}
ID = r"[A-Za-z][A-Za-z0-9_]*"
LABEL = r'"[^"\n]*"'
STYLE = r"[a-z-]+:[^,;\s]+(?: [^,;\s]+)*(?:,[a-z-]+:[^,;\s]+(?: [^,;\s]+)*)*"

FLOWCHART_LINES = {
    "subgraph": re.compile(rf"    subgraph ({ID})\[({LABEL})\]"),
    "direction": re.compile(r"        direction (TB|BT|LR|RL)"),
    "node": re.compile(rf"        ({ID})(\[\[({LABEL})\]\]|\[({LABEL})\])"),
    "end": re.compile(r"    end"),
    "edge": re.compile(rf"    ({ID}) (-->|-\.->\|([A-Za-z ]+)\|) ({ID})"),
    "classDef": re.compile(rf"    classDef ({ID}) ({STYLE})"),
    "class": re.compile(rf"    class ({ID}(?:,{ID})*) ({ID})"),
}

ER_TYPE = r"[A-Za-z][A-Za-z0-9_-]*"
ER_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
KEYS = r"(?:PK|FK|UK)(?:, (?:PK|FK|UK))*"
CARDINALITY = r"(?:\|o|\|\||\}o|\}\|)(?:--|\.\.)(?:o\||\|\||o\{|\|\{)"
ER_LINES = {
    "entity": re.compile(rf"    ({ER_NAME})(?:\[({LABEL})\])? \{{"),
    "attribute": re.compile(rf"        ({ER_TYPE}) ({ER_NAME})(?: ({KEYS}))?(?: ({LABEL}))?"),
    "close": re.compile(r"    \}"),
    "relation": re.compile(rf"    ({ER_NAME}) ({CARDINALITY}) ({ER_NAME}) : ({LABEL})"),
}


class MermaidSyntaxError(AssertionError):
    pass


@dataclass
class Flowchart:
    #: subgraph id -> (label, node ids in order)
    subgraphs: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    #: node id -> (label, shape: "box" or "subroutine")
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (from, to) of plain arrows
    arrows: list[tuple[str, str]] = field(default_factory=list)
    #: (from, text, to) of dotted arrows
    dotted: list[tuple[str, str, str]] = field(default_factory=list)
    #: class name -> node ids
    classes: dict[str, set[str]] = field(default_factory=dict)

    def node_by_label(self, subgraph_label: str, node_label: str) -> str:
        """The id of the node labelled ``node_label`` inside the subgraph so labelled."""
        for label, members in self.subgraphs.values():
            if label == subgraph_label:
                for node in members:
                    if self.nodes[node][0] == node_label:
                        return node
        raise KeyError(f"{subgraph_label}.{node_label}")

    def labelled(self, node: str) -> tuple[str, str]:
        """(subgraph label, node label) of a node."""
        for label, members in self.subgraphs.values():
            if node in members:
                return label, self.nodes[node][0]
        raise KeyError(node)


def _fail(number: int, line: str, why: str) -> MermaidSyntaxError:
    return MermaidSyntaxError(f"line {number}: {why}: {line!r}")


def parse_flowchart(source: str) -> Flowchart:
    assert source.endswith("\n"), "the source ends with a newline"
    lines = source[:-1].split("\n")
    if lines[0] not in ("flowchart TB", "flowchart LR"):
        raise _fail(1, lines[0], "not a flowchart header")
    chart = Flowchart()
    current: str | None = None
    styled: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        kind, match = _match(FLOWCHART_LINES, line, number)
        if kind == "subgraph":
            if current is not None:
                raise _fail(number, line, "nested subgraph")
            current = match[1]
            _new_id(chart, current, number, line)
            chart.subgraphs[current] = (match[2][1:-1], [])
        elif kind in ("direction", "node", "end") and current is None:
            raise _fail(number, line, f"{kind} outside a subgraph")
        elif kind == "direction":
            continue
        elif kind == "node":
            assert current is not None
            _new_id(chart, match[1], number, line)
            is_subroutine = match[3] is not None
            text = (match[3] if is_subroutine else match[4])[1:-1]
            chart.nodes[match[1]] = (text, "subroutine" if is_subroutine else "box")
            chart.subgraphs[current][1].append(match[1])
        elif kind == "end":
            current = None
        elif current is not None:
            raise _fail(number, line, f"{kind} inside a subgraph")
        elif kind == "edge":
            for end in (match[1], match[4]):
                if end not in chart.nodes:
                    raise _fail(number, line, f"arrow to undeclared node {end}")
            if match[2] == "-->":
                chart.arrows.append((match[1], match[4]))
            else:
                chart.dotted.append((match[1], match[3], match[4]))
        elif kind == "classDef":
            styled.add(match[1])
        elif kind == "class":
            if match[2] not in styled:
                raise _fail(number, line, f"class {match[2]} used before its classDef")
            members = match[1].split(",")
            unknown = [m for m in members if m not in chart.nodes]
            if unknown:
                raise _fail(number, line, f"class given to undeclared nodes {unknown}")
            chart.classes.setdefault(match[2], set()).update(members)
    if current is not None:
        raise _fail(len(lines), lines[-1], "subgraph not closed")
    return chart


def _new_id(chart: Flowchart, identifier: str, number: int, line: str) -> None:
    if identifier in KEYWORDS or identifier.lower() == "end":
        raise _fail(number, line, f"{identifier} is a keyword")
    if identifier in chart.nodes or identifier in chart.subgraphs:
        raise _fail(number, line, f"{identifier} declared twice")


def _match(grammar: dict[str, re.Pattern[str]], line: str, number: int) -> tuple[str, re.Match]:
    for kind, pattern in grammar.items():
        match = pattern.fullmatch(line)
        if match:
            return kind, match
    raise _fail(number, line, "not a statement of the grammar")


@dataclass(frozen=True)
class Attribute:
    type: str
    name: str
    keys: frozenset[str]
    comment: str


@dataclass
class ErDiagram:
    #: entity name -> attributes in order
    entities: dict[str, list[Attribute]] = field(default_factory=dict)
    #: entity name -> its alias, where it has one
    aliases: dict[str, str] = field(default_factory=dict)
    #: (from, cardinality, to, label)
    relations: list[tuple[str, str, str, str]] = field(default_factory=list)

    def columns(self, entity: str) -> dict[str, Attribute]:
        return {attribute.name: attribute for attribute in self.entities[entity]}


def parse_er_diagram(source: str) -> ErDiagram:
    assert source.endswith("\n"), "the source ends with a newline"
    lines = source[:-1].split("\n")
    if lines[0] != "erDiagram":
        raise _fail(1, lines[0], "not an erDiagram header")
    diagram = ErDiagram()
    current: str | None = None
    for number, line in enumerate(lines[1:], start=2):
        kind, match = _match(ER_LINES, line, number)
        if kind == "entity":
            if current is not None:
                raise _fail(number, line, "entity inside an entity")
            current = match[1]
            if current in diagram.entities:
                raise _fail(number, line, f"entity {current} declared twice")
            diagram.entities[current] = []
            if match[2]:
                diagram.aliases[current] = match[2][1:-1]
        elif kind == "attribute":
            if current is None:
                raise _fail(number, line, "attribute outside an entity")
            keys = frozenset(match[3].split(", ")) if match[3] else frozenset()
            comment = match[4][1:-1] if match[4] else ""
            diagram.entities[current].append(Attribute(match[1], match[2], keys, comment))
        elif kind == "close":
            if current is None:
                raise _fail(number, line, "closing brace without an entity")
            current = None
        else:
            if current is not None:
                raise _fail(number, line, "relation inside an entity")
            diagram.relations.append((match[1], match[2], match[3], match[4][1:-1]))
    if current is not None:
        raise _fail(len(lines), lines[-1], "entity not closed")
    return diagram
