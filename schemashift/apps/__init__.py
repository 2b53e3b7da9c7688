"""Installed apps and their models."""

from schemashift.apps.registry import AppConfig, Apps, apps

__all__ = ["AppConfig", "Apps", "apps"]
