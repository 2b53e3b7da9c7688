"""The tutorial through ``schemashift.api``, in this process, on every backend.

The project (``mysite`` with the app ``polls``) is written into a temporary folder and
imported here; afterwards its modules, the settings, the app registry and the connections are
forgotten, so the tests that follow start clean.
"""

from __future__ import annotations

import sys

import pytest
from support.tutorial import (
    PRIMARY_KEY_SQL,
    TUTORIAL_MODELS,
    WITH_AUTHOR,
    columns,
    history,
    query,
    tables,
)
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.exceptions import (
    AppNotFound,
    ImproperlyConfigured,
    InvalidMigrationPlan,
    NodeNotFoundError,
    SchemashiftError,
)
from schemashift.utils import timezone


def test_the_tutorial_through_the_api(api_project: TutorialProject) -> None:
    project = api_project
    project.load(TUTORIAL_MODELS)

    assert [m.name for m in api.makemigrations("polls", check=True)] == ["0001_initial"]
    assert not (project.migrations_dir / "0001_initial.py").exists(), "check writes nothing"

    (initial,) = api.makemigrations("polls")
    assert (initial.app_label, initial.name) == ("polls", "0001_initial")
    assert initial.path == project.migrations_dir / "0001_initial.py"
    assert initial.operations == ("+ Create model Question", "+ Create model Choice")
    source = initial.path.read_text(encoding="utf-8")
    assert "class Migration(migrations.Migration):" in source
    assert 'name="Question"' in source and 'name="Choice"' in source
    assert api.makemigrations("polls") == []

    sql = api.sqlmigrate("polls", "0001")
    quote = "`" if project.backend == "mysql" else '"'
    assert f"CREATE TABLE {quote}polls_question{quote}" in sql
    assert PRIMARY_KEY_SQL[project.backend] in sql
    assert "polls_question" not in tables(project), "sqlmigrate runs nothing"
    assert api.check() == []

    result = api.migrate()
    assert result.was_run and not result.was_faked
    assert [(s.app_label, s.name, s.backwards) for s in result.plan.steps] == [
        ("polls", "0001_initial", False)
    ]
    assert result.applied == ["polls.0001_initial"] and result.unapplied == []
    assert {"polls_question", "polls_choice"} <= tables(project)
    assert api.showmigrations() == {"polls": [("0001_initial", True)]}
    assert api.migrate().plan.steps == ()

    project.load(WITH_AUTHOR)
    (added,) = api.makemigrations("polls")
    assert added.name == "0002_question_author"
    assert added.operations == ("+ Add field author to question",)
    planned = api.migrate(plan=True)
    assert not planned.was_run and planned.applied == []
    assert "author" not in columns(project, "polls_question")
    assert api.migrate().applied == ["polls.0002_question_author"]
    assert "author" in columns(project, "polls_question")

    from polls.models import Choice, Question

    question = Question.objects.create(question_text="What's new?", pub_date=timezone.now())
    Choice.objects.create(question=question, choice_text="Not much", votes=3)
    sys.modules["schemashift.db.connections"].connections.close_all()

    result = api.migrate("polls", "0001")
    assert result.unapplied == ["polls.0002_question_author"] and result.applied == []
    assert result.plan.targets == (("polls", "0001_initial"),)
    assert "author" not in columns(project, "polls_question")
    assert query(project, "SELECT question_text FROM polls_question") == [("What's new?",)]
    assert query(project, "SELECT choice_text, votes FROM polls_choice") == [("Not much", 3)]
    assert api.showmigrations("polls") == {
        "polls": [("0001_initial", True), ("0002_question_author", False)]
    }

    assert api.migrate("polls", "zero").unapplied == ["polls.0001_initial"]
    assert tables(project) == {"schemashift_migrations"}
    assert history(project) == []
    assert api.showmigrations() == {
        "polls": [("0001_initial", False), ("0002_question_author", False)]
    }
    assert api.showmigrations_plan() == [
        ("polls", "0001_initial", False),
        ("polls", "0002_question_author", False),
    ]


@pytest.mark.backends("sqlite")
def test_user_errors_are_schemashift_errors(api_project: TutorialProject) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"schemashift\.setup\(\)"):
        api.check()
    api_project.load(TUTORIAL_MODELS)
    with pytest.raises(AppNotFound, match="App 'nope' could not be found"):
        api.makemigrations("nope")
    with pytest.raises(AppNotFound):
        api.migrate("nope")
    with pytest.raises(InvalidMigrationPlan, match="Name the app of the target migration"):
        api.migrate(target="0001")
    with pytest.raises(AppNotFound):
        api.showmigrations("polls", "nope")
    with pytest.raises(SchemashiftError, match="valid Python identifier"):
        api.makemigrations("polls", name="not a name")
    with pytest.raises(NodeNotFoundError, match="Cannot find a migration matching '0001'"):
        api.sqlmigrate("polls", "0001")

    api.makemigrations("polls")
    with pytest.raises(NodeNotFoundError, match="Cannot find a migration matching '0009'"):
        api.sqlmigrate("polls", "0009")
    with pytest.raises(NodeNotFoundError, match="'0002_nope' from app 'polls'"):
        api.migrate("polls", "0002_nope")
    assert api.showmigrations() == {"polls": [("0001_initial", False)]}


@pytest.mark.backends("sqlite")
def test_an_empty_migration_follows_the_latest(api_project: TutorialProject) -> None:
    api_project.load(TUTORIAL_MODELS)
    api.makemigrations("polls")
    (empty,) = api.makemigrations("polls", empty=True, name="fill")
    assert (empty.name, empty.operations) == ("0002_fill", ())
    source = empty.path.read_text(encoding="utf-8")
    assert '("polls", "0001_initial"),' in source
    assert "operations = []" in source
    with pytest.raises(SchemashiftError, match="at least one app label"):
        api.makemigrations(empty=True)


BLOG_MODELS = """\
from schemashift import models


class Tag(models.Model):
    name = models.CharField(max_length=20)


class Article(models.Model):
    title = models.CharField(max_length=50)
    tags = models.ManyToManyField(Tag, related_name="articles")
    related = models.ManyToManyField("self")
    editors = models.ManyToManyField("Person", through="Membership")


class Person(models.Model):
    name = models.CharField(max_length=20)


class Membership(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, default="editor")
"""


def test_many_to_many_fields_through_the_api(api_project: TutorialProject) -> None:
    """makemigrations writes them as Django does and reads them back as no change; migrate
    creates, and unmigrating drops, the automatic tables; the ORM uses them in between."""
    project = api_project
    project.load(BLOG_MODELS)
    (initial,) = api.makemigrations("polls")
    assert initial.operations == (  # Django's (tests/migrations/test_autodetector.py)
        "+ Create model Person",
        "+ Create model Tag",
        "+ Create model Article",
        "+ Create model Membership",
        "+ Add field editors to article",
        "+ Add field tags to article",
    )
    source = initial.path.read_text(encoding="utf-8")
    assert 'models.ManyToManyField(to="polls.article")' in source
    assert 'models.ManyToManyField(related_name="articles", to="polls.tag")' in source
    assert 'models.ManyToManyField(through="polls.Membership", to="polls.person")' in source
    assert api.makemigrations("polls") == [], "read back, the migration is the models"

    sql = api.sqlmigrate("polls", "0001")
    quote = "`" if project.backend == "mysql" else '"'
    assert f"CREATE TABLE {quote}polls_article_tags{quote}" in sql
    assert f"CREATE TABLE {quote}polls_article_related{quote}" in sql
    assert "polls_article_editors" not in sql

    api.migrate()
    assert {"polls_article_tags", "polls_article_related"} <= tables(project)
    assert "polls_article_editors" not in tables(project)

    from polls.models import Article, Person, Tag

    article = Article.objects.create(title="A")
    article.tags.add(Tag.objects.create(name="red"))
    article.editors.add(Person.objects.create(name="Ann"), through_defaults={"role": "chief"})
    assert [t.name for t in Tag.objects.filter(articles__title="A")] == ["red"]
    assert query(project, "SELECT role FROM polls_membership") == [("chief",)]
    sys.modules["schemashift.db.connections"].connections.close_all()

    project.load(BLOG_MODELS.replace('    related = models.ManyToManyField("self")\n', ""))
    (removed,) = api.makemigrations("polls")
    assert removed.operations == ("- Remove field related from article",)
    api.migrate()
    assert "polls_article_related" not in tables(project)
    api.migrate("polls", "0001")
    assert "polls_article_related" in tables(project)
    api.migrate("polls", "zero")
    assert tables(project) == {"schemashift_migrations"}


FIELD_TYPES_MODELS = """
from schemashift import models
from schemashift.models.functions import Now
from schemashift.utils.translation import gettext_lazy as _


def upload_to(instance, filename):
    return f"docs/{filename}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "pub", _("Published")


class Document(models.Model):
    status = models.CharField(max_length=5, choices=Status, default=Status.DRAFT)
    size = models.IntegerField(choices={1: "small", 2: "large"}, db_default=1)
    upload = models.FileField(upload_to=upload_to)
    picture = models.ImageField(upload_to="pics/", null=True, db_comment="A picture")
    address = models.GenericIPAddressField(null=True, unpack_ipv4=True)
    created = models.DateTimeField(db_default=Now())
    pages = models.IntegerField(default=1)
    double = models.GeneratedField(
        expression=models.F("pages") * 2,
        output_field=models.IntegerField(),
        db_persist=True,
    )
"""


def test_new_field_types_through_makemigrations_and_migrate(api_project: TutorialProject) -> None:
    api_project.load(FIELD_TYPES_MODELS)
    (initial,) = api.makemigrations("polls")
    source = initial.path.read_text(encoding="utf-8")
    assert 'choices=[("draft", "Draft"), ("pub", "Published")]' in source
    assert 'default="draft"' in source
    assert "upload_to=polls.models.upload_to" in source
    assert "db_default=schemashift.models.functions.datetime.Now()" in source  # as Django
    assert 'db_comment="A picture"' in source
    api.migrate()
    assert api.makemigrations("polls") == []
    api_project.load(FIELD_TYPES_MODELS)  # the models again, as a new process would
    assert api.makemigrations("polls", check=True) == []
    document_model = sys.modules["polls.models"].Document
    document = document_model.objects.create(
        upload="docs/a.pdf", address="::ffff:10.0.0.1", pages=4
    )
    stored = document_model.objects.get(pk=document.pk)
    assert (stored.status, stored.size, stored.address, stored.double) == (
        "draft",
        1,
        "10.0.0.1",
        8,
    )
    assert stored.get_status_display() == "Draft"
    assert document.created is not None and document.double == 8


HISTORICAL_MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Legacy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("flag", models.NullBooleanField()),
                ("ip", models.IPAddressField(null=True)),
                ("numbers", models.CommaSeparatedIntegerField(max_length=20, null=True)),
            ],
        ),
    ]
"""

LEGACY_MODELS = """
from schemashift import models


class Legacy(models.Model):
    flag = models.BooleanField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True)
    numbers = models.CharField(max_length=20, null=True)
"""


def test_removed_field_types_still_load_in_historical_migrations(
    api_project: TutorialProject,
) -> None:
    (api_project.migrations_dir / "0001_initial.py").write_text(HISTORICAL_MIGRATION)
    api_project.load(LEGACY_MODELS)
    api.migrate()
    (changed,) = api.makemigrations("polls")
    assert changed.operations == (
        "~ Alter field flag on legacy",
        "~ Alter field ip on legacy",
        "~ Alter field numbers on legacy",
    )
    api.migrate()
    assert api.makemigrations("polls", check=True) == []
