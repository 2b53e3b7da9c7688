"""A two-app migration history for the fault-injection test, written into a project folder.

``polls`` and ``shop``, each step reversible, with rows in the tables all along:

- polls 0001: CreateModel Author; CreateModel Question (a ForeignKey to Author, an index in
  ``Meta.indexes``)
- polls 0002: RunPython that seeds authors and questions (two statements)
- shop 0001: CreateModel Review (a ForeignKey to polls.Question across apps, an index)
- shop 0002: RunPython that seeds reviews
- polls 0003: AddField NOT NULL with a default; AlterField IntegerField -> BigIntegerField;
  AlterField CharField max_length 50 -> 80
- polls 0004: RunPython that appends "!" to every title (its reverse takes one off)
- polls 0005: AlterField adding unique=True; RenameField; AddIndex
- polls 0006: RenameModel Question -> Poll, which shop's ForeignKey points at
- shop 0003: RemoveField; AddIndex

A RunPython that ran twice shows in the rows: "q0!!" forwards, "u0" instead of "u0!" backwards,
a seeded row twice.
"""

from __future__ import annotations

import re
from pathlib import Path

APPS = ("polls", "shop")

#: the models as the last migrations leave them (``makemigrations --check`` finds nothing)
MODELS = {
    "polls": """\
from schemashift import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Poll(models.Model):
    title = models.CharField(max_length=80, unique=True)
    score = models.BigIntegerField(default=0)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    status = models.CharField(max_length=10, default="open")

    class Meta:
        indexes = [
            models.Index(fields=["title"], name="polls_question_title_idx"),
            models.Index(fields=["status", "score"], name="polls_status_score_idx"),
        ]
""",
    "shop": """\
from schemashift import models


class Review(models.Model):
    question = models.ForeignKey("polls.Poll", on_delete=models.CASCADE)
    text = models.CharField(max_length=50)

    class Meta:
        indexes = [models.Index(fields=["text"], name="shop_review_text_idx")]
""",
}

APP_CONFIG = """\
from schemashift.apps import AppConfig


class {title}Config(AppConfig):
    default_auto_field = "schemashift.models.BigAutoField"
    name = "{name}"
"""

_ID = '("id", models.BigAutoField(auto_created=True, primary_key=True, verbose_name="ID"))'

MIGRATIONS = {
    "polls/0001_initial": f"""\
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[{_ID}, ("name", models.CharField(max_length=100))],
        ),
        migrations.CreateModel(
            name="Question",
            fields=[
                {_ID},
                ("title", models.CharField(max_length=50)),
                ("votes", models.IntegerField(default=0)),
                ("author", models.ForeignKey(on_delete=models.CASCADE, to="polls.author")),
            ],
            options={{
                "indexes": [models.Index(fields=["title"], name="polls_question_title_idx")],
            }},
        ),
    ]
""",
    "polls/0002_seed": """\
import sqlalchemy as sa

from schemashift import migrations
from schemashift.db.connections import connections

author = sa.table("polls_author", sa.column("id"), sa.column("name"))
question = sa.table(
    "polls_question", sa.column("id"), sa.column("title"), sa.column("votes"),
    sa.column("author_id"),
)
AUTHORS = [{"id": i, "name": f"a{i}"} for i in range(1, 4)]
QUESTIONS = [
    {"id": i, "title": f"q{i}", "votes": i * 10, "author_id": i % 3 + 1} for i in range(1, 7)
]


def seed(apps, schema_editor):
    \"\"\"Seed authors and questions\"\"\"
    db = connections[schema_editor.alias]
    db.execute(sa.insert(author), AUTHORS)
    db.execute(sa.insert(question), QUESTIONS)


def unseed(apps, schema_editor):
    db = connections[schema_editor.alias]
    db.execute(sa.delete(question).where(question.c.id.in_([q["id"] for q in QUESTIONS])))
    db.execute(sa.delete(author).where(author.c.id.in_([a["id"] for a in AUTHORS])))


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
""",
    "shop/0001_initial": f"""\
from schemashift import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("polls", "0002_seed")]
    operations = [
        migrations.CreateModel(
            name="Review",
            fields=[
                {_ID},
                ("text", models.CharField(max_length=50)),
                ("stars", models.IntegerField(default=0)),
                ("question", models.ForeignKey(on_delete=models.CASCADE, to="polls.question")),
            ],
            options={{
                "indexes": [models.Index(fields=["stars"], name="shop_review_stars_idx")],
            }},
        ),
    ]
""",
    "shop/0002_seed": """\
import sqlalchemy as sa

from schemashift import migrations
from schemashift.db.connections import connections

review = sa.table(
    "shop_review", sa.column("id"), sa.column("text"), sa.column("stars"),
    sa.column("question_id"),
)
REVIEWS = [
    {"id": i, "text": f"r{i}", "stars": i % 5, "question_id": i % 6 + 1} for i in range(1, 9)
]


def seed(apps, schema_editor):
    \"\"\"Seed reviews\"\"\"
    connections[schema_editor.alias].execute(sa.insert(review), REVIEWS)


def unseed(apps, schema_editor):
    connections[schema_editor.alias].execute(
        sa.delete(review).where(review.c.id.in_([r["id"] for r in REVIEWS]))
    )


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial"), ("polls", "0002_seed")]
    operations = [migrations.RunPython(seed, unseed)]
""",
    "polls/0003_widen": """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_seed")]
    operations = [
        migrations.AddField(
            model_name="question",
            name="status",
            field=models.CharField(default="open", max_length=10),
        ),
        migrations.AlterField(
            model_name="question", name="votes", field=models.BigIntegerField(default=0)
        ),
        migrations.AlterField(
            model_name="question", name="title", field=models.CharField(max_length=80)
        ),
    ]
""",
    "polls/0004_exclaim": """\
import sqlalchemy as sa

from schemashift import migrations
from schemashift.db.connections import connections

question = sa.table("polls_question", sa.column("title", sa.String))


def exclaim(apps, schema_editor):
    \"\"\"Append ! to every title\"\"\"
    connections[schema_editor.alias].execute(
        sa.update(question).values(title=question.c.title + "!")
    )


def unexclaim(apps, schema_editor):
    title = question.c.title
    connections[schema_editor.alias].execute(
        sa.update(question)
        .where(title.like("%!"))
        .values(title=sa.func.substr(title, 1, sa.func.length(title) - 1))
    )


class Migration(migrations.Migration):
    dependencies = [("polls", "0003_widen")]
    operations = [migrations.RunPython(exclaim, unexclaim)]
""",
    "polls/0005_unique_title": """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0004_exclaim")]
    operations = [
        migrations.AlterField(
            model_name="question",
            name="title",
            field=models.CharField(max_length=80, unique=True),
        ),
        migrations.RenameField(model_name="question", old_name="votes", new_name="score"),
        migrations.AddIndex(
            model_name="question",
            index=models.Index(fields=["status", "score"], name="polls_status_score_idx"),
        ),
    ]
""",
    "polls/0006_rename_question_poll": """\
from schemashift import migrations


class Migration(migrations.Migration):
    dependencies = [("polls", "0005_unique_title"), ("shop", "0002_seed")]
    operations = [migrations.RenameModel(old_name="Question", new_name="Poll")]
""",
    "shop/0003_remove_stars": """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_seed"), ("polls", "0006_rename_question_poll")]
    operations = [
        migrations.RemoveIndex(model_name="review", name="shop_review_stars_idx"),
        migrations.RemoveField(model_name="review", name="stars", acknowledge=["data-loss"]),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(fields=["text"], name="shop_review_text_idx"),
        ),
    ]
""",
}


def write_history(project_dir: Path, atomic: bool = True) -> None:
    """Write both apps (models, migrations) into ``project_dir`` and install them in
    ``mysite/settings.py``. With ``atomic=False`` every migration says ``atomic = False``.
    """
    settings = project_dir / "mysite" / "settings.py"
    source = re.sub(
        r"INSTALLED_APPS = \[[^\]]*\]",
        lambda _: f"INSTALLED_APPS = {[f'{app}.apps.{app.title()}Config' for app in APPS]!r}",
        settings.read_text(),
        count=1,
    )
    settings.write_text(source)
    for app in APPS:
        folder = project_dir / app
        (folder / "migrations").mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
        (folder / "migrations" / "__init__.py").touch()
        (folder / "models.py").write_text(MODELS[app])
        (folder / "apps.py").write_text(APP_CONFIG.format(name=app, title=app.title()))
    for path, source in MIGRATIONS.items():
        if not atomic:
            source = source.replace(
                "class Migration(migrations.Migration):\n",
                "class Migration(migrations.Migration):\n    atomic = False\n",
            )
        app, name = path.split("/")
        (project_dir / app / "migrations" / f"{name}.py").write_text(source)
