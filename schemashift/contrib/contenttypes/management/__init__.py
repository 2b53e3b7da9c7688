"""A content type row for every model, made after ``migrate`` (``post_migrate``), as Django."""

from __future__ import annotations

from typing import Any

from schemashift.apps import apps as global_apps


def get_contenttypes_and_models(
    app_config: Any, using: str, content_type_model: Any
) -> tuple[dict[str, Any], dict[str, type]]:
    """The app's content type rows and its models, both by model name."""
    content_type_model.objects.clear_cache()
    content_types = {
        ct.model: ct
        for ct in content_type_model.objects.using(using).filter(app_label=app_config.label)
    }
    app_models = {model._meta.model_name: model for model in app_config.get_models()}
    return content_types, app_models


def create_contenttypes(
    app_config: Any,
    verbosity: int = 2,
    interactive: bool = True,
    using: str = "default",
    apps: Any = global_apps,
    **kwargs: Any,
) -> None:
    """Create the content types of the app's models that have none yet.

    ``apps`` holds the models as the migrations leave them (``post_migrate`` passes it), so
    this works whatever the models' code says now; nothing happens where the app or
    contenttypes has no models at that point (rolled back to zero, say).
    """
    if not app_config.models_module:
        return
    app_label = app_config.label
    try:
        app_config = apps.get_app_config(app_label)
        content_type_model = apps.get_model("contenttypes", "ContentType")
    except LookupError:
        return
    content_types, app_models = get_contenttypes_and_models(app_config, using, content_type_model)
    new = [
        content_type_model(app_label=app_label, model=name)
        for name in app_models
        if name not in content_types
    ]
    content_type_model.objects.using(using).bulk_create(new)
    if verbosity >= 2:
        for content_type in new:
            print(f"Adding content type '{content_type.app_label} | {content_type.model}'")
