"""The tables as a Mermaid ``erDiagram``: one entity per table, one relation per foreign key.

Mermaid's types and attribute names are single words, so ``varchar(200)`` is written
``varchar_200``; each attribute's comment names the field class, and ``null`` where the
column may be NULL.
"""

from __future__ import annotations

import re

from schemashift.pictures.entities import Cardinality, Column, EntityDiagram, Table
from schemashift.pictures.mermaid import comment, identifier, word

#: the referencing table on the left, the referenced one on the right
ARROWS = {
    Cardinality.MANY_TO_ONE: "}o--||",
    Cardinality.MANY_TO_ZERO_OR_ONE: "}o--o|",
    Cardinality.ONE_TO_ONE: "|o--||",
    Cardinality.ONE_TO_ZERO_OR_ONE: "|o--o|",
}
INDENT = "    "
_ENTITY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def entity_name(table: str) -> str:
    """The table's name where Mermaid takes it as it is, else an identifier made from it."""
    return table if _ENTITY_NAME.fullmatch(table) else identifier("t_", table)


def render_er_diagram(diagram: EntityDiagram) -> str:
    """The Mermaid source, one statement per line, ending with a newline."""
    lines = ["erDiagram"]
    for table in diagram.tables:
        lines += _entity(table)
    for relation in diagram.relations:
        lines.append(
            f"{INDENT}{entity_name(relation.table)} {ARROWS[relation.cardinality]} "
            f'{entity_name(relation.target)} : "{comment(relation.name)}"'
        )
    return "\n".join(lines) + "\n"


def _entity(table: Table) -> list[str]:
    name = entity_name(table.name)
    alias = "" if name == table.name else f'["{comment(table.name)}"]'
    return [
        f"{INDENT}{name}{alias} {{",
        *(f"{INDENT * 2}{_attribute(column)}" for column in table.columns),
        f"{INDENT}}}",
    ]


def _attribute(column: Column) -> str:
    keys = column.keys
    notes = [column.field_class]
    if column.is_nullable:
        notes.append("null")
    name = word(column.name)
    if name != column.name:
        notes.append(f"column {column.name}")
    parts = [word(column.sql_type), name]
    if keys:
        parts.append(", ".join(keys))
    parts.append(f'"{comment(", ".join(notes))}"')
    return " ".join(parts)
