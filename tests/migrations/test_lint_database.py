"""``lint --database``: the server's own version, the migrations it has not applied, and the
table sizes it reads (PostgreSQL ``pg_class.reltuples``, MySQL/MariaDB
``information_schema.tables.table_rows``, SQLite a count) deciding between error and warning."""

from __future__ import annotations

from support.tutorial import execute
from support.tutorial_project import TutorialProject, start

from schemashift import api

#: per backend, an operation that keeps the writers of polls_choice (3 rows) waiting, and the
#: rule that says so
LONG_LOCK = {
    "postgresql": (
        'migrations.RunSQL("CREATE INDEX choice_votes ON polls_choice (votes)")',
        "index-not-concurrent",
    ),
    "mysql": (
        'migrations.RunSQL("ALTER TABLE polls_choice MODIFY votes bigint NOT NULL")',
        "table-rewrite",
    ),
    "sqlite": (
        'migrations.AlterField("choice", "votes", models.FloatField())',
        "table-rewrite",
    ),
}
ANALYZE = {
    "postgresql": "ANALYZE polls_choice",
    "mysql": "ANALYZE TABLE polls_choice",
    "sqlite": "ANALYZE",
}
MIGRATION = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        {operation},
    ]
"""


def test_table_sizes_read_from_the_database_decide_the_severity(
    api_project: TutorialProject, backend: str
) -> None:
    start(api_project)
    execute(api_project, ANALYZE[backend])
    operation, rule = LONG_LOCK[backend]
    api_project.migrations_dir.joinpath("0002_lock.py").write_text(
        MIGRATION.format(operation=operation)
    )
    api_project.load(api_project.dir.joinpath("polls", "models.py").read_text())

    large = api.lint(database="default", rows_threshold=3)
    assert large.migrations == ("polls.0002_lock",)  # 0001 is applied there
    assert [(f.rule, f.severity) for f in large.reported()] == [(rule, "error")]
    assert "(about 3 rows)" in large.reported()[0].message
    server = large.server.split(" ")
    assert (
        server[0]
        in {"postgresql": ("postgresql",), "mysql": ("mysql", "mariadb"), "sqlite": ("sqlite",)}[
            backend
        ]
    )
    if backend != "sqlite":
        assert server[1][0].isdigit()  # the version, read from the server

    small = api.lint(database="default", rows_threshold=4)
    assert [(f.rule, f.severity) for f in small.reported()] == [(rule, "warning")]
    assert not small.fails()
