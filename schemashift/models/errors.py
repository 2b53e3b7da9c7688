"""Errors of the database-access API that a user's query can cause."""

from __future__ import annotations

from schemashift.exceptions import SchemashiftError


class FieldError(SchemashiftError):
    """A query names a field, relation or lookup the model does not have."""
