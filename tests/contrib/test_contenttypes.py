"""ContentType.objects.get_for_model and the Session model on every backend."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api_project import ApiProject, api_project_at

from schemashift import api
from schemashift.utils import timezone

INSTALLED = (
    "schemashift.contrib.contenttypes.apps.ContentTypesConfig",
    "schemashift.contrib.sessions.apps.SessionsConfig",
)


@pytest.fixture
def project(
    tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch
) -> Iterator[ApiProject]:
    with api_project_at(tmp_path / "p", backend_url, (), clean_env, installed=INSTALLED) as project:
        project.load()
        api.migrate()
        yield project


def test_get_for_model_creates_once_and_caches(project: ApiProject) -> None:
    from schemashift.contrib.contenttypes.models import ContentType
    from schemashift.contrib.sessions.models import Session

    session_type = ContentType.objects.get_for_model(Session)
    assert (session_type.app_label, session_type.model) == ("sessions", "session")
    assert session_type.model_class() is Session
    assert session_type.name == Session._meta.verbose_name
    assert str(session_type) == "Sessions | session"
    assert ContentType.objects.get_for_model(Session) is session_type
    assert ContentType.objects.get_for_id(session_type.id) is session_type
    own = ContentType.objects.get_for_model(ContentType)
    assert own.id != session_type.id
    assert ContentType.objects.count() == 2

    ContentType.objects.clear_cache()
    again = ContentType.objects.get_by_natural_key("sessions", "session")
    assert again.id == session_type.id and again is not session_type
    gone = ContentType.objects.create(app_label="old", model="thing")
    assert gone.model_class() is None and gone.name == "thing" and str(gone) == "thing"


def test_sessions_clear_expired(project: ApiProject) -> None:
    from schemashift.contrib.sessions.models import Session

    now = timezone.now()
    Session.objects.create(session_key="a" * 40, session_data="x", expire_date=now)
    Session.objects.create(
        session_key="b" * 40, session_data="y", expire_date=now + datetime.timedelta(days=1)
    )
    Session.objects.filter(session_key="a" * 40).update(
        expire_date=now - datetime.timedelta(days=1)
    )
    assert Session.objects.clear_expired() == 1
    assert [s.session_key for s in Session.objects.all()] == ["b" * 40]


def test_the_models_need_no_new_migration(project: ApiProject) -> None:
    assert api.makemigrations("contenttypes", "sessions", check=True) == []


def test_going_back_to_0001_restores_the_names(project: ApiProject) -> None:
    from schemashift.contrib.contenttypes.models import ContentType
    from schemashift.contrib.sessions.models import Session

    ContentType.objects.get_for_model(Session)
    ContentType.objects.create(app_label="old", model="thing")

    api.migrate("contenttypes", "0001")

    engine = sa.create_engine(project.database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        names = connection.execute(
            sa.text("SELECT app_label, model, name FROM django_content_type ORDER BY id")
        ).fetchall()
    engine.dispose()
    assert [tuple(row) for row in names] == [
        ("contenttypes", "contenttype", "ContentType"),  # made after migrate, as by Django
        ("sessions", "session", "Session"),
        ("old", "thing", "thing"),
    ]
    api.migrate("contenttypes")
    assert ContentType.objects.count() == 3
