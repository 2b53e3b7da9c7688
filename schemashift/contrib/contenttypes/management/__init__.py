"""A content type row for every model, made after ``migrate`` (``post_migrate``), as Django."""

from __future__ import annotations

from typing import Any

from schemashift.apps import apps as global_apps
from schemashift.migrations.operations import RenameModel, RunPython


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


class RenameContentType(RunPython):
    """Renames the content type of a renamed model (so its permissions and generic relations
    follow it); added after every ``RenameModel`` of a plan by
    ``inject_rename_contenttypes_operations``, as Django does."""

    def __init__(self, app_label: str, old_model: str, new_model: str) -> None:
        self.app_label = app_label
        self.old_model = old_model
        self.new_model = new_model
        super().__init__(self.rename_forward, self.rename_backward)

    def describe(self) -> str:
        return f"Rename content type {self.app_label}.{self.old_model} to {self.new_model}"

    def rename_forward(self, apps: Any, schema_editor: Any) -> None:
        self._rename(apps, schema_editor, self.old_model, self.new_model)

    def rename_backward(self, apps: Any, schema_editor: Any) -> None:
        self._rename(apps, schema_editor, self.new_model, self.old_model)

    def _rename(self, apps: Any, schema_editor: Any, old_model: str, new_model: str) -> None:
        content_type_model = apps.get_model("contenttypes", "ContentType")
        using = getattr(schema_editor, "alias", "default")
        found = list(
            content_type_model.objects.using(using).filter(
                app_label=self.app_label, model__in=[old_model, new_model]
            )
        )
        renamed = [ct for ct in found if ct.model == old_model]
        if not renamed or any(ct.model == new_model for ct in found):
            # nothing to rename, or a stale row has the new name: left for the user to
            # settle, as Django leaves it
            return
        content_type = renamed[0]
        content_type.model = new_model
        content_type.save(using=using, update_fields=["model"])
        content_type_model.objects.clear_cache()


def inject_rename_contenttypes_operations(
    plan: Any = None, apps: Any = global_apps, using: str = "default", **kwargs: Any
) -> None:
    """``pre_migrate``: add a RenameContentType after each RenameModel of the plan, from the
    point where the content type table exists."""
    if plan is None:
        return
    try:
        apps.get_model("contenttypes", "ContentType")
    except LookupError:
        available = False
    else:
        available = True
    for migration, backward in plan:
        if (migration.app_label, migration.name) == ("contenttypes", "0001_initial"):
            if backward:
                break  # the table is gone from here on
            available = True
            continue
        if not available:
            continue
        inserts = [
            (
                index + 1,
                RenameContentType(migration.app_label, op.old_name.lower(), op.new_name.lower()),
            )
            for index, op in enumerate(migration.operations)
            if isinstance(op, RenameModel)
        ]
        for inserted, (index, operation) in enumerate(inserts):
            migration.operations.insert(inserted + index, operation)
