"""The signals models and ``migrate`` send, as Django's ``django.db.models.signals``.

- ``pre_save``/``post_save`` (``instance``, ``raw``, ``using``, ``update_fields``; post_save
  also ``created``): around ``Model.save()``, sent with the model class.
- ``pre_delete``/``post_delete`` (``instance``, ``using``, ``origin``): for every row a
  delete removes, cascades included.
- ``m2m_changed`` (``instance``, ``action``, ``reverse``, ``model``, ``pk_set``, ``using``):
  around ``add``/``remove``/``set``/``clear`` of a many-to-many field, sent with its through
  model.
- ``pre_migrate``/``post_migrate`` (``app_config``, ``verbosity``, ``interactive``, ``using``,
  ``apps``, ``plan``): before and after ``migrate``, once per installed app with models;
  ``apps`` holds the models as the migrations leave them.

Like Django, bulk operations (``bulk_create``, ``QuerySet.update``) send none.
"""

from schemashift.dispatch import Signal

pre_save = Signal()
post_save = Signal()
pre_delete = Signal()
post_delete = Signal()
m2m_changed = Signal()
pre_migrate = Signal()
post_migrate = Signal()

__all__ = [
    "m2m_changed",
    "post_delete",
    "post_migrate",
    "post_save",
    "pre_delete",
    "pre_migrate",
    "pre_save",
]
