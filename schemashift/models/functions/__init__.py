"""Database functions (``django.db.models.functions``), used in queries, indexes and
constraints."""
