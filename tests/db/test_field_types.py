"""Field types beyond the basic ones: their columns on every backend equal Django's, and
migrations write them as Django does."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import pytest
from support.django_in_process import ready_django
from support.django_types import django_column_type
from support.migrator import Migrator
from support.states import auto_pk

from schemashift import models
from schemashift.db.introspection import ColumnInfo
from schemashift.migrations.operations import CreateModel
from schemashift.migrations.serializer import serialize


def upload_path(instance: Any, filename: str) -> str:
    return f"uploads/{filename}"


def dj() -> Any:
    ready_django()
    from django.db import models as django_models

    return django_models


#: (our field, Django's same field) built from the same arguments
FIELDS: list[tuple[str, Callable[[Any], Any]]] = [
    ("file", lambda m: m.FileField()),
    ("file_to", lambda m: m.FileField(upload_to="docs/%Y/", max_length=255)),
    ("file_callable", lambda m: m.FileField(upload_to=upload_path, null=True)),
    ("image", lambda m: m.ImageField(width_field="width", height_field="height")),
    ("path", lambda m: m.FilePathField(path="/srv", match=r".*\.txt", recursive=True)),
    ("folders", lambda m: m.FilePathField(allow_files=False, allow_folders=True, max_length=50)),
    ("ip", lambda m: m.GenericIPAddressField()),
    ("ipv4", lambda m: m.GenericIPAddressField(protocol="IPv4", null=True, blank=True)),
    ("unpack", lambda m: m.GenericIPAddressField(unpack_ipv4=True, null=True)),
    ("old_ip", lambda m: m.IPAddressField()),
    ("maybe", lambda m: m.NullBooleanField()),
    ("numbers", lambda m: m.CommaSeparatedIntegerField(max_length=20)),
    ("slug", lambda m: m.SlugField()),
    ("email", lambda m: m.EmailField()),
    ("url", lambda m: m.URLField()),
]


def source_tree(source: str) -> str:
    return ast.dump(ast.parse(source, mode="eval"))


@pytest.mark.parametrize(("name", "make"), FIELDS, ids=[name for name, _ in FIELDS])
def test_fields_deconstruct_and_are_written_as_djangos(
    name: str, make: Callable[[Any], Any]
) -> None:
    from django.db.migrations.writer import MigrationWriter

    ours, theirs = make(models), make(dj())
    _name, _path, args, kwargs = ours.deconstruct()
    _name, their_path, their_args, their_kwargs = theirs.deconstruct()
    assert (args, kwargs) == (their_args, their_kwargs)
    source, _imports = serialize(ours)
    their_source, _imports = MigrationWriter.serialize(theirs)
    assert source_tree(source) == source_tree(their_source)
    assert ours.clone().deconstruct() == ours.deconstruct()


@pytest.mark.parametrize(("name", "make"), FIELDS, ids=[name for name, _ in FIELDS])
def test_columns_are_djangos_on_every_backend(
    migrator: Migrator, backend: str, name: str, make: Callable[[Any], Any]
) -> None:
    ours, theirs = make(models), make(dj())
    migrator.apply(CreateModel("Thing", [auto_pk(), ("f", ours)]))
    column = migrator.snapshot()["shop_thing"].columns["f"]
    assert column == ColumnInfo("f", django_column_type(backend, theirs), nullable=theirs.null)
    migrator.assert_schema_matches_state()


def media_storage() -> object:
    """A storage chosen when the application runs (the application's business)."""
    return object()


def test_storage_is_kept_and_written_by_reference_as_django_writes_a_callable() -> None:
    field = models.FileField(storage=media_storage, upload_to=upload_path)
    _name, _path, _args, kwargs = field.deconstruct()
    assert kwargs["storage"] is media_storage and kwargs["upload_to"] is upload_path
    source, imports = serialize(field)
    assert ".media_storage" in source and ".upload_path" in source
    assert field.clone().storage is media_storage
