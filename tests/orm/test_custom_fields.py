"""Field classes of a project's own, written as third-party Django apps write them: their
columns, their values both ways in queries and saves, and their migrations."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import pytest

from schemashift.apps import apps
from schemashift.db.backends.registry import backend_for
from schemashift.db.connections import connections
from schemashift.migrations.autodetector import MigrationAutodetector
from schemashift.migrations.questioner import MigrationQuestioner
from schemashift.migrations.serializer import serialize
from schemashift.migrations.state import ProjectState

CUSTOM_MODELS = """
    from schemashift import models


    class LowerCaseEmailField(models.EmailField):
        def get_prep_value(self, value):
            value = super().get_prep_value(value)
            return value.lower() if isinstance(value, str) else value


    class CommaListField(models.TextField):
        \"\"\"A list of strings kept as one comma-separated text.\"\"\"

        def __init__(self, *args, separator=",", **kwargs):
            self.separator = separator
            super().__init__(*args, **kwargs)

        def deconstruct(self):
            name, path, args, kwargs = super().deconstruct()
            if self.separator != ",":
                kwargs["separator"] = self.separator
            return name, path, args, kwargs

        def from_db_value(self, value, expression, connection):
            return None if value is None else value.split(self.separator)

        def to_python(self, value):
            if isinstance(value, list) or value is None:
                return value
            return value.split(self.separator)

        def get_prep_value(self, value):
            return None if value is None else self.separator.join(value)


    class HandField(models.Field):
        \"\"\"A bridge hand: 52 cards of two characters each, in a fixed-width column.\"\"\"

        def __init__(self, *args, **kwargs):
            kwargs["max_length"] = 104
            super().__init__(*args, **kwargs)

        def deconstruct(self):
            name, path, args, kwargs = super().deconstruct()
            del kwargs["max_length"]
            return name, path, args, kwargs

        def db_type(self, connection):
            return "char(104)" if connection.vendor != "sqlite" else "varchar(104)"


    class Player(models.Model):
        email = LowerCaseEmailField(unique=True)
        tags = CommaListField(separator=";", null=True)
        hand = HandField(default="")
"""


@pytest.fixture
def cards(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(CUSTOM_MODELS, label="cards")


def test_custom_fields_convert_values_both_ways(cards: ModuleType) -> None:
    player = cards.Player.objects.create(email="Ann@Example.COM", tags=["a", "b c"], hand="AS")
    loaded = cards.Player.objects.get(pk=player.pk)
    assert loaded.email == "ann@example.com"
    assert loaded.tags == ["a", "b c"]
    assert loaded.hand.rstrip() == "AS"
    assert cards.Player.objects.filter(email="ANN@example.com").count() == 1
    assert cards.Player.objects.filter(tags=["a", "b c"]).count() == 1
    assert list(cards.Player.objects.values_list("tags", flat=True)) == [["a", "b c"]]
    cards.Player.objects.filter(pk=player.pk).update(tags=["z"])
    loaded.refresh_from_db()
    assert loaded.tags == ["z"]


def test_custom_fields_keep_their_stored_types_and_columns(cards: ModuleType) -> None:
    opts = cards.Player._meta
    assert opts.get_field("email").get_internal_type() == "EmailField"
    assert opts.get_field("tags").get_internal_type() == "TextField"
    wrapper = connections["default"]
    editor = backend_for(wrapper.vendor).schema_editor
    state = ProjectState.from_apps(apps)
    live = editor.read_table(wrapper.connection, "cards_player")
    declared = "varchar(104)" if wrapper.vendor == "sqlite" else "char(104)"
    assert live.columns["hand"].type == declared
    assert live.columns["email"].type == "varchar(254)"
    expected = editor(dialect=wrapper.dialect, collect_sql=True).expected_table(
        state, state.models["cards", "player"]
    )
    assert expected.columns == live.columns


def test_custom_fields_are_written_into_migrations_by_their_module(cards: ModuleType) -> None:
    source, imports = serialize(cards.Player._meta.get_field("tags"))
    assert source == 'cards.models.CommaListField(null=True, separator=";")'
    assert imports == {"import cards.models"}
    hand_source, _imports = serialize(cards.Player._meta.get_field("hand"))
    assert hand_source == 'cards.models.HandField(default="")'
    changes = MigrationAutodetector(
        ProjectState(), ProjectState.from_apps(apps), MigrationQuestioner()
    ).detect_changes()
    (create,) = changes["cards"][0].operations
    fields = dict(create.fields)
    assert type(fields["tags"]) is sys.modules["cards.models"].CommaListField
    assert fields["tags"].separator == ";"
