"""The permissions of every model, made after ``migrate`` (``post_migrate``), as Django:
``add_``, ``change_``, ``delete_`` and ``view_<model>`` (``Meta.default_permissions``) and
those ``Meta.permissions`` lists."""

from __future__ import annotations

from typing import Any

from schemashift.apps import apps as global_apps
from schemashift.contrib.auth import get_permission_codename
from schemashift.contrib.contenttypes.management import create_contenttypes


def _get_builtin_permissions(opts: Any) -> list[tuple[str, str]]:
    """(codename, name) of the model's default permissions: ("add_question", "Can add
    question"), ..."""
    return [
        (get_permission_codename(action, opts), f"Can {action} {opts.verbose_name_raw}")
        for action in opts.default_permissions
    ]


def _get_all_permissions(opts: Any) -> list[tuple[str, str]]:
    return [*_get_builtin_permissions(opts), *(tuple(p) for p in opts.permissions)]


def create_permissions(
    app_config: Any,
    verbosity: int = 2,
    interactive: bool = True,
    using: str = "default",
    apps: Any = global_apps,
    **kwargs: Any,
) -> None:
    """Create the permissions of the app's models that do not exist yet (and their content
    types first). Works on the models as ``apps`` holds them, as ``create_contenttypes``."""
    if not app_config.models_module:
        return
    create_contenttypes(
        app_config, verbosity=verbosity, interactive=interactive, using=using, apps=apps, **kwargs
    )
    app_label = app_config.label
    try:
        app_config = apps.get_app_config(app_label)
        content_type_model = apps.get_model("contenttypes", "ContentType")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    wanted: list[tuple[Any, tuple[str, str]]] = []
    content_types = set()
    for model in app_config.get_models():
        content_type = content_type_model.objects.db_manager(using).get_for_model(
            model, for_concrete_model=False
        )
        content_types.add(content_type)
        wanted.extend((content_type, perm) for perm in _get_all_permissions(model._meta))
    existing = set(
        permission_model.objects.using(using)
        .filter(content_type__in=content_types)
        .values_list("content_type", "codename")
    )
    new = [
        permission_model(codename=codename, name=name, content_type=content_type)
        for content_type, (codename, name) in wanted
        if (content_type.pk, codename) not in existing
    ]
    permission_model.objects.using(using).bulk_create(new)
    if verbosity >= 2:
        for permission in new:
            print(f"Adding permission '{permission}'")
