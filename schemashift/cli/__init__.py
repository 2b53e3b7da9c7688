"""The command line: ``schemashift``, ``python -m schemashift`` and a project's ``manage.py``."""
