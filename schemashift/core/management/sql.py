"""The signals ``migrate`` sends around its work, once per installed app with models."""

from __future__ import annotations

from typing import Any

from schemashift.apps import apps
from schemashift.dispatch import Signal
from schemashift.models.signals import post_migrate, pre_migrate


def emit_pre_migrate_signal(verbosity: int, interactive: bool, db: str, **kwargs: Any) -> None:
    """``pre_migrate`` for every installed app with a models module (``apps``: the models
    as the database holds them before the migrations run)."""
    _emit(pre_migrate, verbosity, interactive, db, kwargs)


def emit_post_migrate_signal(verbosity: int, interactive: bool, db: str, **kwargs: Any) -> None:
    """``post_migrate`` for every installed app with a models module (``apps``: the models
    as the migrations left them)."""
    _emit(post_migrate, verbosity, interactive, db, kwargs)


def _emit(signal: Signal, verbosity: int, interactive: bool, db: str, kwargs: Any) -> None:
    for app_config in apps.get_app_configs():
        if app_config.models_module is None:
            continue
        signal.send(
            sender=app_config,
            app_config=app_config,
            verbosity=verbosity,
            interactive=interactive,
            using=db,
            **kwargs,
        )
