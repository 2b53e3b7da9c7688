"""The tutorial's models and data, and helpers to read a project's SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

TUTORIAL_MODELS = """
import datetime

from schemashift import models
from schemashift.utils import timezone


class Question(models.Model):
    question_text = models.CharField(max_length=200)
    pub_date = models.DateTimeField("date published")

    def __str__(self):
        return self.question_text

    def was_published_recently(self):
        return self.pub_date >= timezone.now() - datetime.timedelta(days=1)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE)
    choice_text = models.CharField(max_length=200)
    votes = models.IntegerField(default=0)

    def __str__(self):
        return self.choice_text
"""

WITH_AUTHOR = TUTORIAL_MODELS.replace(
    '    pub_date = models.DateTimeField("date published")\n',
    '    pub_date = models.DateTimeField("date published")\n'
    '    author = models.CharField(max_length=100, default="anonymous")\n',
)
WIDENED = WITH_AUTHOR.replace(
    "question_text = models.CharField(max_length=200)",
    "question_text = models.CharField(max_length=500)",
)
RENAMED = WIDENED.replace(
    "votes = models.IntegerField(default=0)", "vote_count = models.IntegerField(default=0)"
)

QUESTIONS = [
    (1, "What's new?", "2026-01-01 10:00:00"),
    (2, "Semi; colon 'quoted' ü", "2026-02-02 12:30:00"),
]
CHOICES = [(1, 1, "Not much", 3), (2, 1, "The sky", 5), (3, 2, "Ünïcode \\ back", 0)]


def db_path(project) -> Path:
    return project.dir / "db.sqlite3"


def query(project, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path(project)) as connection:
        return connection.execute(sql).fetchall()


def tables(project) -> set[str]:
    if not db_path(project).exists():
        return set()
    rows = query(project, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows if not name.startswith("sqlite_")}


def columns(project, table: str) -> list[str]:
    return [row[1] for row in query(project, f'PRAGMA table_info("{table}")')]


def history(project) -> list[tuple[str, str]]:
    return query(project, "SELECT app, name FROM schemashift_migrations ORDER BY id")


def without_header(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.startswith("# Generated"))


def ok(result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout


def seed(project) -> None:
    with sqlite3.connect(db_path(project)) as connection:
        connection.executemany(
            "INSERT INTO polls_question (id, question_text, pub_date) VALUES (?, ?, ?)", QUESTIONS
        )
        connection.executemany(
            "INSERT INTO polls_choice (id, question_id, choice_text, votes) VALUES (?, ?, ?, ?)",
            CHOICES,
        )
