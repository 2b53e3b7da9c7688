"""Users, groups and permissions in Django's tables (``auth_user``, ``auth_group``, ...).

Add ``"schemashift.contrib.contenttypes"`` and ``"schemashift.contrib.auth"`` to
INSTALLED_APPS and run ``migrate``; the migrations are Django's by name and build Django's
schema, so a database Django's auth app made can be adopted. Passwords are hashed as Django
hashes them (``auth.hashers``).
"""

from __future__ import annotations

from typing import Any


def get_user_model() -> Any:
    """The user model: the one AUTH_USER_MODEL names (``auth.User`` by default)."""
    from schemashift.apps import apps
    from schemashift.conf import settings

    app_label, _, model_name = settings.AUTH_USER_MODEL.partition(".")
    return apps.get_model(app_label, model_name)


def get_permission_codename(action: str, opts: Any) -> str:
    """The codename of the permission to ``action`` rows of a model: ``add_question``."""
    return f"{action}_{opts.model_name}"
