"""Checksums of migrations: the same for a reformatted file, different for any semantic edit."""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemashift.migrations.checksum import (
    changed_migrations,
    migration_checksum,
)
from schemashift.migrations.migration import Migration

WRITTEN = """\
import datetime

from schemashift import migrations, models


def forwards(apps, schema_editor):
    Question = apps.get_model("polls", "Question")
    Question.objects.filter(question_text="").update(question_text="?")


def backwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Choice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("choice_text", models.CharField(max_length=200)),
                ("votes", models.IntegerField(default=0)),
            ],
            options={"ordering": ["votes"], "db_table": "polls_choice"},
        ),
        migrations.AddField(
            model_name="question",
            name="pub_date",
            field=models.DateTimeField(default=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)),
        ),
        migrations.AddIndex(
            model_name="choice",
            index=models.Index(fields=["votes", "choice_text"], name="choice_votes_idx"),
        ),
        migrations.RunSQL(
            "UPDATE polls_question SET question_text = 'x' WHERE id = 0",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunPython(forwards, backwards),
    ]
"""  # noqa: E501

# The same migration: other import style, quotes, comments, keyword and dict order, trailing
# commas, line breaks, a re-indented SQL string, a docstring, and another dependency.
REFORMATTED = """\
# A hand-tidied copy.
from datetime import datetime, timezone
from schemashift.migrations import (AddField, AddIndex, CreateModel, RunPython, RunSQL)
import schemashift.migrations
from schemashift.models import BigAutoField, CharField, DateTimeField, Index, IntegerField


def forwards(apps, schema_editor):
    '''Give empty questions a text.'''
    # the historical model
    Question = apps.get_model('polls', 'Question')

    Question.objects.filter(question_text='').update(
        question_text='?',
    )


def backwards(apps, schema_editor): pass


class Migration(schemashift.migrations.Migration):
    dependencies = [('polls', '0001_other')]
    operations = [
        CreateModel(
            options={'db_table': 'polls_choice', 'ordering': ['votes']},
            fields=[
                ('id', BigAutoField(verbose_name='ID', serialize=False, primary_key=True,
                                    auto_created=True)),
                ('choice_text', CharField(max_length=200,)),  # the text
                ('votes', IntegerField(default=0))
            ],
            name='Choice'),
        AddField('question', 'pub_date',
                 DateTimeField(default=datetime(2026, 1, 1, tzinfo=timezone.utc))),
        AddIndex('choice', Index(name='choice_votes_idx', fields=('votes', 'choice_text'))),
        RunSQL('''
            UPDATE polls_question
               SET question_text = 'x'
             WHERE id = 0
        ''', RunSQL.noop),
        RunPython(code=forwards, reverse_code=backwards)
    ]
"""

RUN_SQL = """\
        migrations.RunSQL(
            "UPDATE polls_question SET question_text = 'x' WHERE id = 0",
            reverse_sql=migrations.RunSQL.noop,
        ),
"""

#: (what, text in WRITTEN, replacement): each changes what the migration does
SEMANTIC_EDITS = [
    ("a max_length", "max_length=200", "max_length=201"),
    ("a default", "IntegerField(default=0)", "IntegerField(default=1)"),
    ("an option", '"ordering": ["votes"]', '"ordering": ["-votes"]'),
    ("a model name", 'name="Choice"', 'name="Answer"'),
    (
        "the order of fields",
        '("choice_text", models.CharField(max_length=200)),\n'
        '                ("votes", models.IntegerField(default=0)),',
        '("votes", models.IntegerField(default=0)),\n'
        '                ("choice_text", models.CharField(max_length=200)),',
    ),
    ("an index's fields", 'fields=["votes", "choice_text"]', 'fields=["choice_text", "votes"]'),
    ("a datetime", "datetime.datetime(2026, 1, 1,", "datetime.datetime(2026, 1, 2,"),
    ("the SQL", "WHERE id = 0", "WHERE id = 1"),
    ("spaces inside an SQL string", "question_text = 'x'", "question_text = 'x  '"),
    ("the reverse SQL", "reverse_sql=migrations.RunSQL.noop", 'reverse_sql="SELECT 1"'),
    ("the Python code", 'update(question_text="?")', 'update(question_text="!")'),
    (
        "the reverse code",
        "def backwards(apps, schema_editor):\n    pass",
        "def backwards(apps, schema_editor):\n    print()",
    ),  # noqa: E501
    (
        "a removed operation",
        "        migrations.RunPython(forwards, backwards),\n",
        "",
    ),
    (
        "an added operation",
        "        migrations.RunPython(forwards, backwards),\n",
        "        migrations.RunPython(forwards, backwards),\n"
        '        migrations.RemoveField(model_name="question", name="pub_date"),\n',
    ),
    (
        "reordered operations",
        RUN_SQL + "        migrations.RunPython(forwards, backwards),\n",
        "        migrations.RunPython(forwards, backwards),\n" + RUN_SQL,
    ),
    (
        "replaces",
        '    dependencies = [("polls", "0001_initial")]',
        '    replaces = [("polls", "0002_a"), ("polls", "0003_b")]\n'
        '    dependencies = [("polls", "0001_initial")]',
    ),
]

_counter = itertools.count()


@pytest.fixture
def load(tmp_path: Path) -> Iterator:
    """Import a migration file's source as a module of its own; its Migration, loaded."""
    names: list[str] = []

    def load(source: str) -> Migration:
        name = f"checksum_migration_{next(_counter)}"
        path = tmp_path / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module.Migration("0002_choice", "polls")

    yield load
    for name in names:
        sys.modules.pop(name, None)


def test_the_checksum_is_versioned_and_stable(load) -> None:
    checksum = migration_checksum(load(WRITTEN))
    assert checksum.startswith("v1:") and len(checksum) == 3 + 64
    assert migration_checksum(load(WRITTEN)) == checksum


def test_reformatting_keeps_the_checksum(load) -> None:
    assert migration_checksum(load(REFORMATTED)) == migration_checksum(load(WRITTEN))


def test_dependencies_atomic_and_acknowledgements_are_not_part_of_it(load) -> None:
    other = WRITTEN.replace('("polls", "0001_initial")', '("auth", "0001_initial")')
    other = other.replace("    operations = [", "    atomic = False\n\n    operations = [", 1)
    other = other.replace(
        'name="pub_date",\n', 'name="pub_date",\n            acknowledge=["data-loss"],\n'
    )
    assert "acknowledge" in other
    assert migration_checksum(load(other)) == migration_checksum(load(WRITTEN))


@pytest.mark.parametrize(("what", "old", "new"), SEMANTIC_EDITS, ids=[e[0] for e in SEMANTIC_EDITS])
def test_each_semantic_edit_changes_the_checksum(load, what: str, old: str, new: str) -> None:
    assert old in WRITTEN
    edited = WRITTEN.replace(old, new, 1)
    assert migration_checksum(load(edited)) != migration_checksum(load(WRITTEN))


def test_an_imported_function_is_named_not_read(load, tmp_path: Path) -> None:
    """The checksum is the file's: a helper module's code is not part of it."""
    helper = "checksum_helper_module"
    (tmp_path / f"{helper}.py").write_text("def forwards(apps, schema_editor):\n    pass\n")
    sys.path.insert(0, str(tmp_path))
    try:
        source = WRITTEN.replace(
            "\n\ndef forwards(apps, schema_editor):",
            f"\nfrom {helper} import forwards\n\n\ndef unused(apps, schema_editor):",
        )
        migration = load(source)
        before = migration_checksum(migration)
        (tmp_path / f"{helper}.py").write_text("def forwards(apps, schema_editor):\n    1\n")
        assert migration_checksum(load(source)) == before
        renamed = source.replace(
            f"from {helper} import forwards", f"from {helper} import forwards as f"
        )
        renamed = renamed.replace("RunPython(forwards,", "RunPython(f,")
        assert migration_checksum(load(renamed)) == before
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(helper, None)


def test_changed_migrations_skips_rows_without_a_checksum_or_a_file(load) -> None:
    written, edited = load(WRITTEN), load(WRITTEN.replace("max_length=200", "max_length=201"))
    recorded = {
        ("polls", "0001_initial"): None,  # a row of an older schemashift
        ("polls", "0002_choice"): migration_checksum(written),
        ("polls", "0003_gone"): "v1:" + "0" * 64,  # its file deleted (squashed)
        ("polls", "0004_other_version"): "v0:abc",
    }
    on_disk = {
        ("polls", "0001_initial"): edited,
        ("polls", "0002_choice"): edited,
        ("polls", "0004_other_version"): edited,
    }
    (changed,) = changed_migrations(recorded, on_disk)
    assert str(changed) == "polls.0002_choice"
    assert changed.recorded == migration_checksum(written)
    assert changed.current == migration_checksum(edited)
    assert changed.describe("default") == (
        "polls.0002_choice was changed after it was applied to database 'default' "
        f"(checksum {changed.recorded[3:15]} when applied, {changed.current[3:15]} now)"
    )
    assert changed_migrations({("polls", "0002_choice"): changed.current}, on_disk) == []


def test_another_process_computes_the_same_checksum_without_sqlalchemy(
    load, tmp_path: Path
) -> None:
    """Nothing in the checksum depends on the process (hash seeds, addresses), and computing
    it imports no SQLAlchemy."""
    source = WRITTEN.replace(
        "options={",
        'options={"unique_together": {("choice_text", "votes"), ("votes", "id"), ("id",)}, ',
    )
    (tmp_path / "written_migration.py").write_text(source, encoding="utf-8")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from schemashift.migrations.checksum import migration_checksum\n"
        "from written_migration import Migration\n"
        "print(migration_checksum(Migration('0002_choice', 'polls')))\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == migration_checksum(load(source))
