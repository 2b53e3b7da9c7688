"""swappable_dependency() and relations to the model a setting names, in migration text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schemashift import conf, migrations, models
from schemashift.exceptions import ImproperlyConfigured
from schemashift.migrations.migration import Migration
from schemashift.migrations.serializer import serialize
from schemashift.migrations.writer import MigrationWriter


@pytest.fixture
def user_model_setting() -> Iterator[None]:
    conf.configure(AUTH_USER_MODEL="accounts.User")
    yield
    conf.reset()


def test_swappable_dependency_is_the_first_migration_of_the_setting_app() -> None:
    dependency = migrations.swappable_dependency("accounts.User")

    assert dependency == ("accounts", "__first__")
    assert dependency.setting == "accounts.User"
    with pytest.raises(ImproperlyConfigured, match="'app_label.ModelName'"):
        migrations.swappable_dependency("User")


def test_relation_to_the_user_model_serializes_as_the_setting(user_model_setting: None) -> None:
    to_user = models.ForeignKey("accounts.User", on_delete=models.CASCADE)
    to_other = models.ForeignKey("accounts.Group", on_delete=models.CASCADE)

    assert serialize(to_user) == (
        "models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL)",
        {"from schemashift import models", "from schemashift.conf import settings"},
    )
    assert (
        serialize(to_other)[0] == 'models.ForeignKey(on_delete=models.CASCADE, to="accounts.Group")'
    )


def test_without_settings_the_relation_is_written_by_label() -> None:
    conf.reset()
    field = models.ForeignKey("auth.User", on_delete=models.CASCADE)

    assert serialize(field)[0] == 'models.ForeignKey(on_delete=models.CASCADE, to="auth.User")'


def test_writer_writes_setting_dependencies_after_the_others() -> None:
    migration = Migration("0001_initial", "blog")
    migration.dependencies = [("__setting__", "AUTH_USER_MODEL"), ("tags", "0002_tag")]

    text = MigrationWriter(migration, include_header=False).as_string()

    assert "from schemashift.conf import settings\n" in text
    assert (
        "    dependencies = [\n"
        '        ("tags", "0002_tag"),\n'
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n"
        "    ]\n"
    ) in text


def test_swappable_false_writes_the_label(user_model_setting: None) -> None:
    field = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        swappable=False,
        limit_choices_to={"is_active": True},
    )

    assert serialize(field)[0] == (
        'models.ForeignKey(limit_choices_to={"is_active": True}, on_delete=models.CASCADE, '
        'to="accounts.User")'
    )
