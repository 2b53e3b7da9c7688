from schemashift.apps import AppConfig


class AuthConfig(AppConfig):
    """``django.contrib.auth`` for schemashift: same label, same tables."""

    name = "schemashift.contrib.auth"
    label = "auth"
    verbose_name = "Authentication and Authorization"
    default_auto_field = "schemashift.models.AutoField"

    def ready(self) -> None:
        from schemashift.contrib.auth.management import create_permissions
        from schemashift.models.signals import post_migrate

        post_migrate.connect(
            create_permissions,
            dispatch_uid="schemashift.contrib.auth.management.create_permissions",
        )
