"""Pictures of a project: its migration graph and its tables, as Mermaid or Graphviz text.

Each picture is built as plain data first (``migration_graph.py``, ``entities.py``), then
written out by one renderer per format, so the renderers never read files or databases.
"""
