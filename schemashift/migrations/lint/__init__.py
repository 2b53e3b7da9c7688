"""``schemashift lint``: rules run on the operations of migrations, with the schema before
and after each and the statements schemashift would run on the target server.

- ``rules.py``: what a rule and a finding are; the registry ``RULES``
- ``locking.py``, ``compatibility.py``, ``data_loss.py``, ``code.py``: the rule sets
- ``context.py``: an operation as the rules read it (states, statements, locks, table sizes)
- ``sql_text.py``: RunSQL's text split and read
- ``target.py``: the server linted for (``--server postgresql:14``)
- ``runner.py``: every rule over migrations, acknowledgements marked
"""

from schemashift.migrations.lint.rules import ERROR, RULES, WARNING, Finding, Rule
from schemashift.migrations.lint.runner import (
    lint_migration,
    lint_migrations,
    lint_new_migrations,
)
from schemashift.migrations.lint.target import Target

__all__ = [
    "ERROR",
    "RULES",
    "WARNING",
    "Finding",
    "Rule",
    "Target",
    "lint_migration",
    "lint_migrations",
    "lint_new_migrations",
]
