"""Testing a schemashift project with pytest: the ``db``, ``transactional_db`` and
``migrator`` fixtures (``plugin.py``, loaded through the ``pytest11`` entry point)."""
