"""schemashift.contrib.contenttypes, .sessions and .auth make Django 5.2's tables, on every
backend.

Django migrates ``django.contrib.contenttypes``, ``.sessions`` and ``.auth`` into one
database, schemashift its own contrib apps into another of the same backend; the two schemas
are read back with the same introspection and compared. Then schemashift takes over Django's
database with ``--adopt-django-history``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api_project import ApiProject, api_project_at
from support.django_runner import django_migrate

from schemashift import api
from schemashift.db.introspection import SchemaSnapshot, introspect

DJANGO_APPS = ["django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.auth"]
OUR_APPS = (
    "schemashift.contrib.contenttypes.apps.ContentTypesConfig",
    "schemashift.contrib.sessions.apps.SessionsConfig",
    "schemashift.contrib.auth.apps.AuthConfig",
)
AUTH_MIGRATIONS = [
    "0001_initial",
    "0002_alter_permission_name_max_length",
    "0003_alter_user_email_max_length",
    "0004_alter_user_username_opts",
    "0005_alter_user_last_login_null",
    "0006_require_contenttypes_0002",
    "0007_alter_validators_add_error_messages",
    "0008_alter_user_username_max_length",
    "0009_alter_user_last_name_max_length",
    "0010_alter_group_name_max_length",
    "0011_update_proxy_permissions",
    "0012_alter_user_first_name_max_length",
]
MIGRATIONS = [
    ("contenttypes", "0001_initial"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("sessions", "0001_initial"),
    *(("auth", name) for name in AUTH_MIGRATIONS),
]
TABLES = [
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "auth_user",
    "auth_user_groups",
    "auth_user_user_permissions",
    "django_content_type",
    "django_session",
]


@pytest.fixture
def django_url(other_backend_url: str) -> str:
    """A second empty database on ``backend``, for Django."""
    return other_backend_url


def contrib_project(root: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiProject]:
    with api_project_at(root, url, (), monkeypatch, installed=OUR_APPS) as project:
        project.load()
        yield project


@pytest.fixture
def ours(tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch) -> Iterator[ApiProject]:
    yield from contrib_project(tmp_path / "ours", backend_url, clean_env)


def schema(url: str) -> SchemaSnapshot:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return introspect(connection, exclude=["django_migrations"])
    finally:
        engine.dispose()


def rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_the_tables_are_djangos(ours: ApiProject, django_url: str, tmp_path: Path) -> None:
    django_migrate(tmp_path / "django", django_url, DJANGO_APPS)
    result = api.migrate()
    assert sorted(str(step) for step in result.plan.steps) == sorted(
        f"{a}.{n}" for a, n in MIGRATIONS
    )

    theirs, mine = schema(django_url), schema(ours.database_url)
    assert theirs.table_names() == TABLES
    for table in theirs.table_names():
        assert mine.tables.get(table) == theirs.tables[table], table
    assert mine.table_names() == theirs.table_names()
    django_rows = "SELECT app, name FROM django_migrations ORDER BY id"
    assert set(rows(django_url, django_rows)) == set(MIGRATIONS)


CONTENT_TYPES = "SELECT app_label, model FROM django_content_type"
PERMISSIONS = (
    "SELECT t.app_label, t.model, p.codename, p.name FROM auth_permission p "
    "JOIN django_content_type t ON t.id = p.content_type_id"
)


def test_migrate_makes_djangos_content_types_and_permissions(
    ours: ApiProject, django_url: str, tmp_path: Path
) -> None:
    django_migrate(tmp_path / "django", django_url, DJANGO_APPS)
    api.migrate()
    for query in (CONTENT_TYPES, PERMISSIONS):
        assert sorted(rows(ours.database_url, query)) == sorted(rows(django_url, query))
    assert ("auth", "user", "view_user", "Can view user") in rows(django_url, PERMISSIONS)

    api.migrate()  # nothing new: no second row of any
    assert len(rows(ours.database_url, PERMISSIONS)) == len(rows(django_url, PERMISSIONS))


def test_a_django_database_with_them_is_adopted(
    django_url: str, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    django_migrate(tmp_path / "django", django_url, DJANGO_APPS)
    for _project in contrib_project(tmp_path / "ours", django_url, clean_env):
        result = api.migrate(adopt_django_history=True)
        assert sorted(result.adopted) == sorted(f"{a}.{n}" for a, n in MIGRATIONS)
        assert result.plan.steps == ()
        from schemashift.contrib.contenttypes.models import ContentType
        from schemashift.contrib.sessions.models import Session

        # Django's post_migrate made these rows; ours finds them rather than adding others.
        before = ContentType.objects.count()
        session_type = ContentType.objects.get_for_model(Session)
        assert (session_type.app_label, session_type.model) == ("sessions", "session")
        assert ContentType.objects.count() == before
