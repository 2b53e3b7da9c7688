"""The exceptions of ``django.core.exceptions``, by the same names.

They are schemashift's own classes (``schemashift.exceptions``), so catching one catches what
schemashift raises.
"""

from schemashift.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    FieldError,
    ImproperlyConfigured,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)

__all__ = [
    "NON_FIELD_ERRORS",
    "FieldDoesNotExist",
    "FieldError",
    "ImproperlyConfigured",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "ValidationError",
]
