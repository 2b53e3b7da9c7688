from schemashift.apps import AppConfig


class SessionsConfig(AppConfig):
    """``django.contrib.sessions`` for schemashift: same label, same table."""

    name = "schemashift.contrib.sessions"
    label = "sessions"
    verbose_name = "Sessions"
