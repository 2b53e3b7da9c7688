"""What ``migrate`` prints while it runs, event by event."""

from __future__ import annotations

import pytest

from schemashift import migrations
from schemashift.api import MigrationEvent
from schemashift.cli.migrate import _Progress


def test_a_lock_retry_gets_a_line_of_its_own_and_the_migration_line_starts_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = migrations.Migration("0002_question_author", "polls")
    progress = _Progress()
    for kind in ("apply_start", "lock_retry", "lock_retry", "apply_success"):
        progress(MigrationEvent(kind, migration))
    assert capsys.readouterr().out.splitlines() == [
        "  Applying polls.0002_question_author...",
        "    A table lock polls.0002_question_author needs is held by another session; "
        "undone, trying again...",
        "  Applying polls.0002_question_author...",
        "    A table lock polls.0002_question_author needs is held by another session; "
        "undone, trying again...",
        "  Applying polls.0002_question_author... OK",
    ]
