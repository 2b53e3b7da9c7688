"""``schemashift.sqlalchemy``: the migrated tables as SQLAlchemy MetaData, compared with what
SQLAlchemy reflects from the migrated database, and queried with Core."""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from support.tutorial import TUTORIAL_MODELS
from support.tutorial_project import TutorialProject

from schemashift import api
from schemashift.db.connections import connections
from schemashift.db.introspection import introspect
from schemashift.exceptions import ImproperlyConfigured
from schemashift.sqlalchemy import engine, metadata

BALLOTS = (
    TUTORIAL_MODELS.replace("import datetime\n", "import datetime\nimport uuid\n")
    + """

class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)
    questions = models.ManyToManyField(Question, related_name="tags")


class Ballot(models.Model):
    key = models.UUIDField(default=uuid.uuid4, unique=True)
    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, null=True)
    weight = models.DecimalField(max_digits=8, decimal_places=2, db_default=1)
    cast_on = models.DateField(db_index=True)
    voter = models.CharField(max_length=100)
    note = models.TextField(blank=True, db_comment="what the voter wrote")
    counted = models.BooleanField(default=False)
    data = models.JSONField(null=True)
    positive = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = [("voter", "choice")]
        indexes = [models.Index(fields=["voter", "-cast_on"], name="ballot_voter_idx")]
        constraints = [
            models.UniqueConstraint(fields=["voter", "cast_on"], name="one_ballot_a_day"),
            models.CheckConstraint(condition=models.Q(positive__lte=100), name="small_positive"),
        ]


class Archived(models.Model):
    title = models.CharField(max_length=10)

    class Meta:
        managed = False
"""
)

HISTORY = {"schemashift_migrations", "schemashift_migrations_progress"}

#: what SQLAlchemy's reflection normalises (pattern, replacement), applied to the declared and
#: the reflected spelling alike: synonyms, MySQL's display widths and collations, MariaDB's
#: JSON (a LONGTEXT)
REFLECTED_SPELLINGS = {
    "sqlite": [(r"^bool$", "boolean"), (r"^integer unsigned$", "integer")],
    "postgresql": [],
    "mysql": [
        (r"^(smallint|integer|bigint)\(\d+\)", r"\1"),
        (r"^bool$", "tinyint(1)"),
        (r"^numeric\(", "decimal("),
        (r"^double precision$", "double"),
        (r" character set \w+| collate \w+", ""),
    ],
}


def migrate(project: TutorialProject, models: str = BALLOTS) -> None:
    project.load(models)
    api.makemigrations("polls")
    api.migrate()


def reflected(engine: sa.Engine) -> sa.MetaData:
    found = sa.MetaData()
    names = set(sa.inspect(engine).get_table_names()) - HISTORY
    found.reflect(engine, only=sorted(names))
    return found


def compiled(type_: Any, dialect: sa.Dialect) -> str:
    return " ".join(str(type_.compile(dialect=dialect)).lower().split())


def normalised(spelling: str, dialect: sa.Dialect) -> str:
    if getattr(dialect, "is_mariadb", False) and spelling == "json":
        spelling = "longtext"
    for pattern, replacement in REFLECTED_SPELLINGS[dialect.name]:
        spelling = re.sub(pattern, replacement, spelling)
    return spelling


def foreign_keys(table: sa.Table, with_options: bool) -> set[tuple[Any, ...]]:
    return {
        (
            tuple(key.column_keys),
            key.referred_table.name,
            tuple(element.column.name for element in key.elements),
            key.name,
            *((key.deferrable, key.initially) if with_options else ()),
        )
        for key in table.foreign_key_constraints
    }


def named_keys(table: sa.Table, dialect: sa.Dialect) -> dict[str, tuple[Any, ...]]:
    """Named indexes and unique constraints: name -> (kind, columns, unique). On MySQL a
    unique constraint is a unique index, and reflects as one."""
    constraint_kind = "index" if dialect.name == "mysql" else "constraint"
    found = {
        index.name: ("index", tuple(column.name for column in index.columns), bool(index.unique))
        for index in table.indexes
    }
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and constraint.name:
            columns = tuple(column.name for column in constraint.columns)
            found.setdefault(constraint.name, (constraint_kind, columns, True))
    return found


def unnamed_unique(table: sa.Table) -> set[tuple[str, ...]]:
    return {
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint) and not constraint.name
    }


def assert_keys_match(ours: sa.Table, theirs: sa.Table, dialect: sa.Dialect) -> None:
    """The named indexes and unique constraints are the same, except those the database
    names itself: a column's UNIQUE, and the index InnoDB adds for a foreign key (named after
    the key) where no index begins with its column."""
    database_named = {
        name
        for name, (_kind, columns, unique) in named_keys(theirs, dialect).items()
        if (unique and columns in unnamed_unique(ours))
        or (
            dialect.name == "mysql" and name in {key.name for key in theirs.foreign_key_constraints}
        )
    }
    live_keys = named_keys(theirs, dialect)
    assert named_keys(ours, dialect) == {
        name: key for name, key in live_keys.items() if name not in database_named
    }, ours.name


def test_metadata_is_what_sqlalchemy_reflects_from_the_migrated_database(
    api_project: TutorialProject,
) -> None:
    migrate(api_project)
    ours = metadata()
    theirs = reflected(engine())
    dialect = engine().dialect
    with engine().connect() as connection:
        live = introspect(connection)

    assert sorted(ours.tables) == sorted(theirs.tables) == live.table_names()
    assert "polls_archived" not in ours.tables
    for name, table in ours.tables.items():
        other = theirs.tables[name]
        # column order is left out, as in schemashift's own schema checks: a field added by a
        # later operation is the table's last column
        assert set(table.columns.keys()) == set(other.columns.keys()), name
        for column in table.columns:
            mirror = other.c[column.name]
            declared = compiled(column.type, dialect)
            where = f"{name}.{column.name}"
            live_type = live[name].columns[column.name].type.removesuffix(" auto_increment")
            assert declared == live_type, where
            assert normalised(declared, dialect) == normalised(
                compiled(mirror.type, dialect), dialect
            ), where
            assert column.nullable == mirror.nullable, where
            if column.autoincrement is not True:
                has_default = column.server_default is not None
                assert has_default == (mirror.server_default is not None), where
        assert [c.name for c in table.primary_key] == [c.name for c in other.primary_key]
        with_options = dialect.name == "postgresql"  # SQLite's and MySQL's read no DEFERRABLE
        assert foreign_keys(table, with_options) == foreign_keys(other, with_options), name
        assert_keys_match(table, other, dialect)
        keys = named_keys(table, dialect).values()
        unique = unnamed_unique(table) | {columns for _k, columns, is_unique in keys if is_unique}
        assert unique == set(live[name].unique), name

    ballot = ours.tables["polls_ballot"]
    assert {c.name for c in ballot.constraints if isinstance(c, sa.CheckConstraint)} >= {
        "small_positive"
    }
    assert ballot.c.weight.server_default is not None
    assert ballot.c.key.unique is None and ("key",) in unnamed_unique(ballot)
    assert ours.tables["polls_tag_questions"].c.question_id.references(
        ours.tables["polls_question"].c.id
    )


def test_metadata_creates_the_tables_migrations_made(
    api_project: TutorialProject, other_backend_url: str
) -> None:
    migrate(api_project)
    scratch = sa.create_engine(other_backend_url, poolclass=sa.pool.NullPool)
    try:
        metadata().create_all(scratch)
        with engine().connect() as migrated, scratch.connect() as created:
            assert introspect(created) == introspect(migrated)
            checks = sa.inspect(created).get_check_constraints("polls_ballot")
        assert "small_positive" in {check["name"] for check in checks}
    finally:
        scratch.dispose()


def test_core_select_reads_the_rows_the_query_api_wrote(api_project: TutorialProject) -> None:
    migrate(api_project)
    from polls.models import Ballot, Choice, Question, Tag

    published = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    question = Question.objects.create(question_text="What's new?", pub_date=published)
    other = Question.objects.create(question_text="Ünïcode?", pub_date=published)
    sky = Choice.objects.create(question=question, choice_text="The sky", votes=3)
    Choice.objects.create(question=other, choice_text="Not much", votes=1)
    ballot = Ballot.objects.create(
        choice=sky, cast_on=datetime.date(2026, 3, 2), voter="ann", data={"seen": [1, 2]}
    )
    tag = Tag.objects.create(name="news")
    tag.questions.add(question)

    tables = metadata().tables
    questions, choices = tables["polls_question"], tables["polls_choice"]
    joined = (
        sa.select(questions.c.question_text, questions.c.pub_date, choices.c.choice_text)
        .select_from(choices.join(questions))
        .where(choices.c.votes > 2)
    )
    links = tables["polls_tag_questions"]
    with engine().connect() as connection:
        assert connection.execute(joined).all() == [("What's new?", published, "The sky")]
        row = connection.execute(sa.select(tables["polls_ballot"])).one()
        names = connection.execute(
            sa.select(tables["polls_tag"].c.name, questions.c.question_text).select_from(
                links.join(tables["polls_tag"]).join(questions)
            )
        ).all()
    assert names == [("news", "What's new?")]
    assert row.key == ballot.key and isinstance(row.key, uuid.UUID)
    assert row.weight == decimal.Decimal("1.00")
    assert row.data == {"seen": [1, 2]}
    assert (row.counted, row.positive, row.voter) == (False, 0, "ann")
    assert row.choice_id == sky.pk


def test_engine_is_the_one_the_query_api_uses(api_project: TutorialProject) -> None:
    migrate(api_project, TUTORIAL_MODELS)
    from polls.models import Question

    assert engine() is connections["default"].database.engine
    Question.objects.create(question_text="Hi?", pub_date=datetime.datetime.now(datetime.UTC))
    table = metadata().tables["polls_question"]
    with engine().begin() as connection:
        connection.execute(
            sa.insert(table).values(question_text="From Core", pub_date=sa.func.now())
        )
    texts = sorted(Question.objects.values_list("question_text", flat=True))
    assert texts == ["From Core", "Hi?"]


def test_metadata_before_setup_says_what_to_do(clean_registry: None) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"call schemashift\.setup\(\)"):
        metadata()
