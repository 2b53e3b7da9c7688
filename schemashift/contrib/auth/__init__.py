"""Users and passwords, stored as Django stores them (``auth.hashers`` for now)."""
