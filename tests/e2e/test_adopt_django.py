"""A user takes over a database Django built, through ``python manage.py``, on each backend."""

from __future__ import annotations

from pathlib import Path

from support.django_runner import django_migrate, write_django_app
from support.polls_migrations import ADD_AUTHOR, INITIAL, query
from support.tutorial import WITH_AUTHOR


def test_migrate_adopts_djangos_history(project, tmp_path: Path) -> None:
    write_django_app(tmp_path / "django", "polls", {"0001_initial": INITIAL})
    django_migrate(tmp_path / "django", project.database_url, ["polls"])
    project.write_models(WITH_AUTHOR)
    (project.migrations_dir / "0001_initial.py").write_text(INITIAL)
    (project.migrations_dir / "0002_question_author.py").write_text(ADD_AUTHOR)

    refused = project.run("migrate")
    assert refused.returncode == 1
    assert "CommandError: Database 'default' was migrated by Django" in refused.stderr
    assert "Traceback" not in refused.stderr

    adopted = project.run("migrate", "--adopt-django-history")
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert "Adopted from django_migrations:\n  polls.0001_initial... ADOPTED\n" in adopted.stdout
    assert "  Applying polls.0002_question_author... OK" in adopted.stdout

    shown = project.run("showmigrations", "polls")
    assert " [X] 0001_initial\n [X] 0002_question_author" in shown.stdout
    assert query(project.database_url, "SELECT app, name FROM django_migrations") == [
        ("polls", "0001_initial")
    ]
    assert project.run("migrate").stdout.endswith("  No migrations to apply.\n")
