"""Signals: receivers connected to a named event, called when it is sent (``django.dispatch``)."""

from schemashift.dispatch.dispatcher import Signal, receiver

__all__ = ["Signal", "receiver"]
