"""The tutorial's migrations as files (in schemashift's import form), and readers of a
database's rows and history by URL, shared by the migrate option tests."""

from __future__ import annotations

import sqlalchemy as sa

INITIAL = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Question",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("question_text", models.CharField(max_length=200)),
                ("pub_date", models.DateTimeField(verbose_name="date published")),
            ],
        ),
        migrations.CreateModel(
            name="Choice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("choice_text", models.CharField(max_length=200)),
                ("votes", models.IntegerField(default=0)),
                ("question", models.ForeignKey(on_delete=models.CASCADE, to="polls.question")),
            ],
        ),
    ]
"""  # noqa: E501

ADD_AUTHOR = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="question",
            name="author",
            field=models.CharField(default="anonymous", max_length=100),
        ),
    ]
"""


def query(url: str, sql: str, table: str | None = None) -> list[tuple]:
    """The rows of ``sql``; none when ``table`` is given and does not exist."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if table is not None and not sa.inspect(connection).has_table(table):
                return []
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def history(url: str) -> list[tuple]:
    sql = "SELECT app, name FROM schemashift_migrations ORDER BY id"
    return query(url, sql, "schemashift_migrations")
