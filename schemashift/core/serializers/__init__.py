"""Serialisation helpers Django's models name (``DjangoJSONEncoder``)."""
