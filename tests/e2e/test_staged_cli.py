"""``makemigrations --staged`` and ``migrate --stage`` as a user runs them, renames asked for
at the prompt."""

from __future__ import annotations

import pytest
from support.tutorial import TUTORIAL_MODELS, ok, query, seed

RENAMED = TUTORIAL_MODELS.replace("choice_text = models.CharField", "text = models.CharField")


@pytest.mark.backends("sqlite")
def test_a_rename_answered_at_the_prompt_is_staged_and_deployed_in_two_steps(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    seed(project)
    project.write_models(RENAMED)
    made = ok(project.run("makemigrations", "polls", "--staged", input="y\n"))
    assert "0002_expand_rename_choice_choice_text.py" in made
    assert "0003_contract_rename_choice_choice_text.py" in made
    assert "Expand the rename of field choice_text on choice to text" in made

    refused = project.run("migrate", "--stage", "contract")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "polls.0002_expand_rename_choice_choice_text expands a staged change" in (
        refused.stdout + refused.stderr
    )

    expanded = ok(project.run("migrate", "--stage", "expand"))
    assert "Applying polls.0002_expand_rename_choice_choice_text... OK" in expanded
    assert "Left for migrate --stage contract" in expanded
    assert "polls.0003_contract_rename_choice_choice_text" in expanded
    assert query(project, "SELECT choice_text, text FROM polls_choice WHERE id = 1") == [
        ("Not much", "Not much")
    ]
    contracted = ok(project.run("migrate", "--stage", "contract"))
    assert "Applying polls.0003_contract_rename_choice_choice_text... OK" in contracted
    assert query(project, "SELECT text FROM polls_choice WHERE id = 1") == [("Not much",)]
    assert "No changes detected" in ok(project.run("makemigrations", "--check"))

    wrong = project.run("migrate", "--stage", "both")
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr


CONTRACT_WITHOUT_EXPAND = """\
from schemashift import migrations, models


class Migration(migrations.Migration):
    dependencies = [("polls", "0001_initial")]
    operations = [
        migrations.ContractAlterField(
            model_name="choice", name="votes", field=models.BigIntegerField(default=0)
        ),
    ]
"""


@pytest.mark.backends("sqlite")
def test_a_contract_with_no_expand_before_it_is_refused_naming_it(project) -> None:
    project.write_models(TUTORIAL_MODELS)
    ok(project.run("makemigrations", "polls"))
    ok(project.run("migrate"))
    (project.migrations_dir / "0002_contract.py").write_text(CONTRACT_WITHOUT_EXPAND)
    refused = project.run("migrate")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    said = refused.stdout + refused.stderr
    assert "polls.0002_contract" in said and "no expanded change is under way" in said
    assert query(project, "SELECT name FROM schemashift_migrations WHERE app = 'polls'") == [
        ("0001_initial",)
    ]
