"""The ``stock`` app's migrations that the tests of a run's tables share: an ``Item`` table, and
a data migration that writes a row into it. ``write`` puts one into an ``ApiProject``."""

from __future__ import annotations

import textwrap

from support.api_project import ApiProject

HEADER = "from schemashift import migrations, models\n\n"

CREATE_ITEM = """
    class Migration(migrations.Migration):
        initial = True
        dependencies = []
        operations = [
            migrations.CreateModel(
                "Item",
                [
                    ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                    ("note", models.CharField(max_length=20, null=True)),
                ],
            ),
        ]
    """

FILL_WITH_PYTHON = """
    def fill(apps, schema_editor):
        apps.get_model("stock", "Item").objects.create(note="kept")


    class Migration(migrations.Migration):
        dependencies = [("stock", "0001_initial")]
        operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
    """


def write(project: ApiProject, name: str, body: str) -> None:
    """The migration ``stock/migrations/<name>.py`` with ``body`` (indented as in a test)."""
    project.write_migration("stock", name, HEADER + textwrap.dedent(body))
