"""``ContentType``: a model, named by app label and model name, as a row."""

from __future__ import annotations

from typing import Any

from schemashift import models
from schemashift.apps import apps
from schemashift.exceptions import AppNotFound


class ContentTypeManager(models.Manager):
    """Finds (and creates) the content type of a model, caching it per database."""

    use_in_migrations = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: {database alias: {(app_label, model) or id: ContentType}}
        self._cache: dict[str, dict[Any, ContentType]] = {}

    def get_for_model(self, model: Any, for_concrete_model: bool = True) -> ContentType:
        """The content type of a model class or instance, created on first use."""
        meta = model._meta
        if for_concrete_model:
            meta = getattr(meta, "concrete_model", model)._meta
        key = (meta.app_label, meta.model_name)
        cached = self._cache.get(self.db, {}).get(key)
        if cached is not None:
            return cached
        found, _created = self.get_or_create(app_label=key[0], model=key[1])
        self._remember(found)
        return found

    def get_by_natural_key(self, app_label: str, model: str) -> ContentType:
        """The content type of ``app_label.model`` (the model name in lower case)."""
        cached = self._cache.get(self.db, {}).get((app_label, model))
        if cached is not None:
            return cached
        found = self.get(app_label=app_label, model=model)
        self._remember(found)
        return found

    def get_for_id(self, id: int) -> ContentType:
        """The content type with this id, from the cache when it is there."""
        cached = self._cache.get(self.db, {}).get(id)
        if cached is not None:
            return cached
        found = self.get(pk=id)
        self._remember(found)
        return found

    def clear_cache(self) -> None:
        """Forget every cached content type (after rows were deleted, say)."""
        self._cache.clear()

    def _remember(self, content_type: ContentType) -> None:
        cache = self._cache.setdefault(self.db, {})
        cache[(content_type.app_label, content_type.model)] = content_type
        cache[content_type.id] = content_type


class ContentType(models.Model):
    id = models.AutoField(auto_created=True, primary_key=True, verbose_name="ID")
    app_label = models.CharField(max_length=100)
    model = models.CharField("python model class name", max_length=100)
    objects = ContentTypeManager()

    class Meta:
        verbose_name = "content type"
        verbose_name_plural = "content types"
        db_table = "django_content_type"
        unique_together = [["app_label", "model"]]

    def __str__(self) -> str:
        return self.app_labeled_name

    @property
    def name(self) -> str:
        """The model's verbose name, or the stored model name when it is not installed."""
        model = self.model_class()
        return str(model._meta.verbose_name) if model is not None else self.model

    @property
    def app_labeled_name(self) -> str:
        model = self.model_class()
        if model is None:
            return self.model
        return f"{apps.get_app_config(model._meta.app_label).verbose_name} | {self.name}"

    def model_class(self) -> type | None:
        """The installed model class this row stands for, None when there is none."""
        try:
            return apps.get_model(self.app_label, self.model)
        except (LookupError, AppNotFound):
            return None

    def natural_key(self) -> tuple[str, str]:
        return (self.app_label, self.model)
