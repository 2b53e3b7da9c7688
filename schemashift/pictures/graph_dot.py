"""The migration graph in Graphviz's DOT language: one cluster per app, an arrow from each
migration to those that depend on it, dashed arrows from a squash to what it replaces."""

from __future__ import annotations

from schemashift.migrations.graph import Key
from schemashift.pictures.dot import quoted
from schemashift.pictures.migration_graph import MigrationNode, MigrationPicture

INDENT = "    "


def node_id(key: Key) -> str:
    return quoted(f"{key[0]}.{key[1]}")


def render_dot(picture: MigrationPicture) -> str:
    """The DOT source of a ``digraph``, ending with a newline."""
    lines = [
        "digraph migrations {",
        f"{INDENT}rankdir=TB;",
        f'{INDENT}fontname="Helvetica";',
        f'{INDENT}node [shape=box, style="rounded", fontname="Helvetica"];',
        f'{INDENT}edge [fontname="Helvetica", fontsize=10];',
    ]
    for app_label in picture.app_labels:
        lines.append(f"{INDENT}subgraph {quoted(f'cluster_{app_label}')} {{")
        lines.append(f"{INDENT * 2}label={quoted(app_label)};")
        lines += [f"{INDENT * 2}{_node(node)}" for node in picture.app_nodes(app_label)]
        lines.append(f"{INDENT}}}")
    for parent, child in picture.dependencies:
        lines.append(f"{INDENT}{node_id(parent)} -> {node_id(child)};")
    for squash, replaced in picture.replacements:
        lines.append(
            f'{INDENT}{node_id(squash)} -> {node_id(replaced)} [style=dashed, label="replaces"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(node: MigrationNode) -> str:
    """A squash has a double border, a replaced migration a dashed one, an applied one is
    filled."""
    styles = ["rounded"]
    extra = []
    if node.is_applied:
        styles.append("filled")
        extra.append('fillcolor="#d3f9d8"')
    if node.is_replaced:
        styles.append("dashed")
        extra.append('fontcolor="#868e96"')
    if node.is_squash:
        extra.append("peripheries=2")
    attributes = [f"label={quoted(node.name)}", f"style={quoted(','.join(styles))}", *extra]
    return f"{node_id(node.key)} [{', '.join(attributes)}];"
