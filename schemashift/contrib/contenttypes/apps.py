from schemashift.apps import AppConfig


class ContentTypesConfig(AppConfig):
    """``django.contrib.contenttypes`` for schemashift: same label, same table."""

    name = "schemashift.contrib.contenttypes"
    label = "contenttypes"
    verbose_name = "Content Types"
    default_auto_field = "schemashift.models.AutoField"
