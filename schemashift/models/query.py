"""``QuerySet`` where Django's code imports it from (``django.db.models.query``)."""

from schemashift.models.queryset import QuerySet

__all__ = ["QuerySet"]
