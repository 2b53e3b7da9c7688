"""``CommandError``: raised by a command (or code it runs) to stop with a message, as in Django.

It is a ``SchemashiftError``, so the command line prints its message without a traceback.
"""

from schemashift.exceptions import CommandError

__all__ = ["CommandError"]
