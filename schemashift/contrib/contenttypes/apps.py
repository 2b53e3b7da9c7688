from schemashift.apps import AppConfig


class ContentTypesConfig(AppConfig):
    """``django.contrib.contenttypes`` for schemashift: same label, same table."""

    name = "schemashift.contrib.contenttypes"
    label = "contenttypes"
    verbose_name = "Content Types"
    default_auto_field = "schemashift.models.AutoField"

    def ready(self) -> None:
        from schemashift.contrib.contenttypes.management import (
            create_contenttypes,
            inject_rename_contenttypes_operations,
        )
        from schemashift.models.signals import post_migrate, pre_migrate

        pre_migrate.connect(inject_rename_contenttypes_operations, sender=self)
        post_migrate.connect(create_contenttypes)
