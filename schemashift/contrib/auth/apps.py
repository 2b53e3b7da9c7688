from schemashift.apps import AppConfig


class AuthConfig(AppConfig):
    """``django.contrib.auth`` for schemashift: same label, same tables."""

    name = "schemashift.contrib.auth"
    label = "auth"
    verbose_name = "Authentication and Authorization"
    default_auto_field = "schemashift.models.AutoField"
