"""The migration graph as a Mermaid ``flowchart``: one subgraph per app, an arrow from each
migration to those that depend on it, dotted arrows from a squash to what it replaces."""

from __future__ import annotations

from schemashift.migrations.graph import Key
from schemashift.pictures.mermaid import identifier, label
from schemashift.pictures.migration_graph import MigrationNode, MigrationPicture

#: class name -> Mermaid style; ``applied`` is given only when the database was read
CLASS_STYLES = {
    "applied": "fill:#d3f9d8,stroke:#2b8a3e,color:#1b4332",
    "squash": "stroke-width:3px",
    "replaced": "stroke-dasharray:5 5,color:#868e96",
}
INDENT = "    "


def node_id(key: Key) -> str:
    """The node of a migration: ``m_<app>__<name>`` (made safe for Mermaid)."""
    return identifier("m_", f"{key[0]}__{key[1]}")


def app_id(app_label: str) -> str:
    return identifier("app_", app_label)


def render_flowchart(picture: MigrationPicture) -> str:
    """The Mermaid source, one statement per line, ending with a newline."""
    lines = ["flowchart TB"]
    for app_label in picture.app_labels:
        lines.append(f'{INDENT}subgraph {app_id(app_label)}["{label(app_label)}"]')
        lines.append(f"{INDENT * 2}direction TB")
        lines += [f"{INDENT * 2}{_node(node)}" for node in picture.app_nodes(app_label)]
        lines.append(f"{INDENT}end")
    for parent, child in picture.dependencies:
        lines.append(f"{INDENT}{node_id(parent)} --> {node_id(child)}")
    for squash, replaced in picture.replacements:
        lines.append(f"{INDENT}{node_id(squash)} -.->|replaces| {node_id(replaced)}")
    for name, style in CLASS_STYLES.items():
        members = [node_id(node.key) for node in picture.nodes if name in _classes(node)]
        if members:
            lines.append(f"{INDENT}classDef {name} {style}")
            lines.append(f"{INDENT}class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


def _node(node: MigrationNode) -> str:
    """A squash is drawn as a subroutine box ``[[...]]``, every other migration as a box."""
    text = label(node.name)
    if node.is_squash:
        return f'{node_id(node.key)}[["{text}"]]'
    return f'{node_id(node.key)}["{text}"]'


def _classes(node: MigrationNode) -> set[str]:
    classes = set()
    if node.is_applied:
        classes.add("applied")
    if node.is_squash:
        classes.add("squash")
    if node.is_replaced:
        classes.add("replaced")
    return classes
