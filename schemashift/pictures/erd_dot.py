"""The tables in Graphviz's DOT language: one node per table listing its columns, and an edge
with crow's-foot ends for each foreign key."""

from __future__ import annotations

from html import escape

from schemashift.pictures.dot import quoted
from schemashift.pictures.entities import Cardinality, Column, EntityDiagram, Relation, Table

#: (the referencing table's end, the referenced table's end), Graphviz arrow shapes
ENDS = {
    Cardinality.MANY_TO_ONE: ("crowodot", "teetee"),
    Cardinality.MANY_TO_ZERO_OR_ONE: ("crowodot", "teeodot"),
    Cardinality.ONE_TO_ONE: ("teeodot", "teetee"),
    Cardinality.ONE_TO_ZERO_OR_ONE: ("teeodot", "teeodot"),
}
INDENT = "    "


def render_dot(diagram: EntityDiagram) -> str:
    """The DOT source of a ``digraph``, ending with a newline."""
    lines = [
        "digraph tables {",
        f"{INDENT}rankdir=LR;",
        f'{INDENT}node [shape=plain, fontname="Helvetica"];',
        f'{INDENT}edge [dir=both, fontname="Helvetica", fontsize=10];',
    ]
    lines += [f"{INDENT}{_node(table)}" for table in diagram.tables]
    lines += [f"{INDENT}{_edge(relation)}" for relation in diagram.relations]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(table: Table) -> str:
    header = f'<tr><td colspan="3" bgcolor="#e9ecef"><b>{escape(table.name)}</b></td></tr>'
    rows = "".join(_row(column) for column in table.columns)
    return (
        f"{quoted(table.name)} [label=<"
        f'<table border="0" cellborder="1" cellspacing="0" cellpadding="4">{header}{rows}'
        "</table>>];"
    )


def _row(column: Column) -> str:
    keys = column.keys
    type_text = column.sql_type + (" NULL" if column.is_nullable else "")
    return (
        f'<tr><td port="{escape(column.name)}" align="left">{escape(column.name)}</td>'
        f'<td align="left">{escape(type_text)}</td><td>{" ".join(keys)}</td></tr>'
    )


def _edge(relation: Relation) -> str:
    tail, head = ENDS[relation.cardinality]
    return (
        f"{quoted(relation.table)}:{quoted(relation.column)} -> {quoted(relation.target)} "
        f"[arrowtail={tail}, arrowhead={head}, label={quoted(relation.name)}];"
    )
