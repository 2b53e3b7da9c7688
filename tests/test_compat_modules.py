"""What Django model and migration code imports exists under the ported names
(``django.X`` -> ``schemashift.X``) and behaves as Django's does."""

from __future__ import annotations

import importlib

import pytest

import schemashift
from schemashift import conf, models
from schemashift.apps.registry import Apps
from schemashift.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    ValidationError,
)
from schemashift.core.management.base import CommandError
from schemashift.exceptions import ImproperlyConfigured, SchemashiftError

# module -> names that Django projects commonly import from it
PORTED_NAMES = {
    "schemashift.models.deletion": [
        "CASCADE",
        "PROTECT",
        "SET_NULL",
        "SET_DEFAULT",
        "SET",
        "DO_NOTHING",
        "RESTRICT",
    ],
    "schemashift.models.functions": [],
    "schemashift.models.query_utils": ["DeferredAttribute", "Q"],
    "schemashift.core.validators": ["MinValueValidator", "RegexValidator", "validate_email"],
    "schemashift.core.exceptions": [
        "ValidationError",
        "ObjectDoesNotExist",
        "MultipleObjectsReturned",
        "FieldDoesNotExist",
        "FieldError",
        "ImproperlyConfigured",
    ],
    "schemashift.core.management.base": ["CommandError"],
    "schemashift.utils.translation": [
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext_lazy",
    ],
    "schemashift.utils.timezone": [
        "now",
        "timedelta",
        "get_default_timezone_name",
        "get_current_timezone",
        "is_aware",
        "make_aware",
    ],
    "schemashift.utils.text": ["slugify", "capfirst"],
    "schemashift.utils.functional": ["cached_property", "lazy", "classproperty"],
    "schemashift.utils.encoding": ["force_str", "smart_str"],
    "schemashift.utils.deconstruct": ["deconstructible"],
    "schemashift.conf": ["settings"],
    "schemashift": [
        "VERSION",
        "transaction",
        "connection",
        "connections",
        "DEFAULT_DB_ALIAS",
        "IntegrityError",
        "DatabaseError",
        "OperationalError",
    ],
    "schemashift.dispatch": ["Signal", "receiver"],
    "schemashift.models.signals": [
        "pre_save",
        "post_save",
        "pre_delete",
        "post_delete",
        "m2m_changed",
        "pre_migrate",
        "post_migrate",
    ],
    "schemashift.contrib.auth.management": ["create_permissions"],
    "schemashift.contrib.contenttypes.management": ["create_contenttypes"],
    "schemashift.core.management.sql": ["emit_post_migrate_signal"],
    "schemashift.core.serializers.json": ["DjangoJSONEncoder"],
    "schemashift.models.query": ["QuerySet"],
    "schemashift.models.manager": ["Manager", "BaseManager"],
}


@pytest.mark.parametrize("module_name", sorted(PORTED_NAMES))
def test_ported_module_has_the_names(module_name: str) -> None:
    module = importlib.import_module(module_name)

    missing = [name for name in PORTED_NAMES[module_name] if not hasattr(module, name)]
    assert missing == []


def test_version_is_a_django_style_tuple() -> None:
    assert schemashift.VERSION[:3] == tuple(int(p) for p in schemashift.__version__.split("."))
    assert schemashift.VERSION[3:] == ("final", 0)


def test_validation_error_gathers_messages_as_django() -> None:
    single = ValidationError("Bad %(value)s.", code="bad", params={"value": 3})
    many = ValidationError([single, "Other."])
    per_field = ValidationError({"name": ["Too short."], NON_FIELD_ERRORS: many})

    assert single.messages == ["Bad 3."] and single.code == "bad"
    assert many.messages == ["Bad 3.", "Other."]
    assert per_field.message_dict == {"name": ["Too short."], "__all__": ["Bad 3.", "Other."]}
    assert sorted(per_field.messages) == ["Bad 3.", "Other.", "Too short."]
    assert not issubclass(ValidationError, SchemashiftError)


def test_command_error_is_a_user_error() -> None:
    assert issubclass(CommandError, SchemashiftError)


def test_get_field_raises_field_does_not_exist() -> None:
    class Gadget(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "compat"
            apps = Apps()  # kept out of the global registry

    assert Gadget._meta.get_field("name").name == "name"
    with pytest.raises(FieldDoesNotExist, match="Gadget has no field named 'colour'"):
        Gadget._meta.get_field("colour")
    assert issubclass(FieldDoesNotExist, LookupError)
    assert not issubclass(FieldDoesNotExist, ObjectDoesNotExist)


def test_settings_give_auth_user_model_with_django_default() -> None:
    try:
        conf.configure()
        assert conf.settings.AUTH_USER_MODEL == "auth.User"
        conf.configure(AUTH_USER_MODEL="accounts.User")
        from schemashift.conf import settings

        assert settings.AUTH_USER_MODEL == "accounts.User"
        with pytest.raises(ImproperlyConfigured, match="AUTH_USER_MODEL must be of the form"):
            conf.configure(AUTH_USER_MODEL="accounts")
    finally:
        conf.reset()
