from schemashift import migrations
from schemashift.models import Q


def _move_proxy_permissions(apps, schema_editor, to_proxy=True):
    """Give the default permissions of each proxy model the proxy's own content type.

    Permissions that already exist under the new content type are left where they are.
    """
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in apps.get_models():
        meta = model._meta
        if not meta.proxy:
            continue
        concrete = meta.concrete_model._meta
        proxy_type, _ = ContentType.objects.get_or_create(
            app_label=meta.app_label, model=meta.model_name
        )
        concrete_type, _ = ContentType.objects.get_or_create(
            app_label=concrete.app_label, model=concrete.model_name
        )
        old, new = (concrete_type, proxy_type) if to_proxy else (proxy_type, concrete_type)
        codenames = [f"{action}_{meta.model_name}" for action in meta.default_permissions]
        taken = set(Permission.objects.filter(content_type=new).values_list("codename", flat=True))
        Permission.objects.filter(
            Q(codename__in=[name for name in codenames if name not in taken]),
            content_type=old,
        ).update(content_type=new)


def update_proxy_model_permissions(apps, schema_editor):
    _move_proxy_permissions(apps, schema_editor, to_proxy=True)


def revert_proxy_model_permissions(apps, schema_editor):
    _move_proxy_permissions(apps, schema_editor, to_proxy=False)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0010_alter_group_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(update_proxy_model_permissions, revert_proxy_model_permissions),
    ]
