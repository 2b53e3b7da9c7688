"""Loading migration packages from disk into a graph: discovery, errors, squashes, lookups."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemashift.apps.registry import AppConfig
from schemashift.exceptions import (
    AmbiguityError,
    BadMigrationError,
    CircularDependencyError,
    InconsistentMigrationHistory,
    NodeNotFoundError,
)
from schemashift.migrations.loader import MigrationLoader

MakeApp = Callable[..., AppConfig]


def migration_source(dependencies: str = "[]", extra: str = "", operations: str = "[]") -> str:
    return textwrap.dedent(
        f"""\
        from schemashift import migrations, models


        class Migration(migrations.Migration):
            dependencies = {dependencies}
            operations = {operations}
        {textwrap.indent(extra, "    ")}
        """
    )


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeApp]:
    """``make_app(label, {filename: source})`` writes an importable app package.

    ``files=None`` makes an app without a migrations folder. The packages and their
    modules are forgotten after the test.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    labels: set[str] = set()

    def make(label: str, files: dict[str, str] | None = None, init: bool = True) -> AppConfig:
        folder = tmp_path / label
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
        if files is not None:
            migrations_dir = folder / "migrations"
            migrations_dir.mkdir(exist_ok=True)
            if init:
                (migrations_dir / "__init__.py").touch()
            for filename, source in files.items():
                (migrations_dir / filename).write_text(source)
        labels.add(label)
        forget({label})
        importlib.invalidate_caches()
        return AppConfig(label, importlib.import_module(label))

    yield make
    forget(labels)


def forget(packages: set[str]) -> None:
    """Drop the packages and their submodules from sys.modules."""
    for name in list(sys.modules):
        if name.partition(".")[0] in packages:
            del sys.modules[name]


def chain(app: str, *names: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Files for migrations that each depend on the one before."""
    files = {}
    previous = None
    for name in names:
        dependencies = f"[({app!r}, {previous!r})]" if previous else "[]"
        files[f"{name}.py"] = migration_source(dependencies, (extra or {}).get(name, ""))
        previous = name
    return files


def test_loads_migrations_into_a_graph(make_app: MakeApp) -> None:
    polls = make_app("polls", chain("polls", "0001_initial", "0002_second"))
    loader = MigrationLoader([polls])
    assert sorted(loader.disk_migrations) == [("polls", "0001_initial"), ("polls", "0002_second")]
    assert loader.migrated_apps == {"polls"}
    assert loader.unmigrated_apps == set()
    assert loader.graph.leaf_nodes("polls") == [("polls", "0002_second")]
    assert loader.graph.forwards_plan(("polls", "0002_second")) == [
        ("polls", "0001_initial"),
        ("polls", "0002_second"),
    ]
    migration = loader.get_migration("polls", "0001_initial")
    assert (migration.app_label, migration.name) == ("polls", "0001_initial")


def test_apps_without_a_migrations_package_are_unmigrated(
    make_app: MakeApp, tmp_path: Path
) -> None:
    none = make_app("nomig")
    namespace = make_app("nsmig", {"0001_initial.py": migration_source()}, init=False)
    module_app = make_app("modmig")
    (tmp_path / "modmig" / "migrations.py").write_text("x = 1\n")
    empty = make_app("emptymig", {})
    loader = MigrationLoader([none, namespace, module_app, empty])
    assert loader.unmigrated_apps == {"nomig", "nsmig", "modmig"}
    assert loader.migrated_apps == {"emptymig"}
    assert loader.disk_migrations == {}


def test_app_whose_migrations_module_is_disabled_is_unmigrated(make_app: MakeApp) -> None:
    config = make_app("polls", chain("polls", "0001_initial"))

    class Disabled(AppConfig):
        migrations_module = None  # type: ignore[assignment]

    loader = MigrationLoader([Disabled("polls", config.module)])
    assert loader.unmigrated_apps == {"polls"}
    assert loader.disk_migrations == {}


def test_private_files_and_subpackages_are_ignored(make_app: MakeApp, tmp_path: Path) -> None:
    files = chain("polls", "0001_initial")
    files["_helpers.py"] = "raise RuntimeError('not a migration')\n"
    files["~0002_backup.py"] = "raise RuntimeError('not a migration')\n"
    polls = make_app("polls", files)
    sub = tmp_path / "polls" / "migrations" / "sub"
    sub.mkdir()
    (sub / "__init__.py").write_text("raise RuntimeError('not a migration')\n")
    (tmp_path / "polls" / "migrations" / "notes.txt").write_text("ignored")
    loader = MigrationLoader([polls])
    assert list(loader.disk_migrations) == [("polls", "0001_initial")]


def test_file_without_migration_class_is_a_bad_migration(make_app: MakeApp) -> None:
    polls = make_app("polls", {"0001_initial.py": "x = 1\n"})
    with pytest.raises(BadMigrationError) as raised:
        MigrationLoader([polls])
    message = str(raised.value)
    assert "0001_initial.py" in message
    assert "no class named Migration" in message


def test_migration_class_must_subclass_migration(make_app: MakeApp) -> None:
    polls = make_app("polls", {"0001_initial.py": "class Migration:\n    pass\n"})
    with pytest.raises(BadMigrationError, match=r"0001_initial\.py.*schemashift\.migrations"):
        MigrationLoader([polls])


def test_syntax_error_names_the_file_and_line(make_app: MakeApp) -> None:
    source = migration_source() + "\ndef broken(:\n"
    polls = make_app("polls", {"0001_initial.py": source})
    with pytest.raises(BadMigrationError) as raised:
        MigrationLoader([polls])
    message = str(raised.value)
    assert "0001_initial.py" in message
    assert "syntax error at line 9" in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_import_error_names_the_file_and_cause(make_app: MakeApp) -> None:
    source = "import no_such_module_here\n" + migration_source()
    polls = make_app("polls", {"0002_x.py": source})
    with pytest.raises(BadMigrationError) as raised:
        MigrationLoader([polls])
    message = str(raised.value)
    assert "0002_x.py" in message
    assert "No module named 'no_such_module_here'" in message


def test_error_raised_while_importing_is_a_bad_migration(make_app: MakeApp) -> None:
    source = migration_source(operations="[undefined_name]")
    polls = make_app("polls", {"0001_initial.py": source})
    with pytest.raises(BadMigrationError, match=r"0001_initial\.py: NameError: .*undefined_name"):
        MigrationLoader([polls])


def test_stale_pyc_is_reported(make_app: MakeApp, tmp_path: Path) -> None:
    polls = make_app("polls", {})
    (tmp_path / "polls" / "migrations" / "0001_initial.pyc").write_bytes(b"\x00" * 32)
    with pytest.raises(BadMigrationError, match=r"0001_initial\.pyc: it appears to be a stale"):
        MigrationLoader([polls])


def test_invalid_dependency_entry_is_a_bad_migration(make_app: MakeApp) -> None:
    polls = make_app("polls", {"0001_initial.py": migration_source('["other"]')})
    with pytest.raises(BadMigrationError, match=r"polls\.0001_initial .*dependencies: 'other'"):
        MigrationLoader([polls])


def test_missing_dependency_names_the_migration(make_app: MakeApp) -> None:
    polls = make_app(
        "polls",
        {
            "0001_initial.py": migration_source(),
            "0002_x.py": migration_source('[("polls", "0001_missing")]'),
        },
    )
    with pytest.raises(NodeNotFoundError) as raised:
        MigrationLoader([polls])
    assert str(raised.value) == (
        "Migration polls.0002_x dependencies reference nonexistent parent node "
        "('polls', '0001_missing')"
    )


def test_cycle_across_apps_is_reported(make_app: MakeApp) -> None:
    a = make_app("appa", {"0001_initial.py": migration_source('[("appb", "0001_initial")]')})
    b = make_app("appb", {"0001_initial.py": migration_source('[("appa", "0001_initial")]')})
    with pytest.raises(CircularDependencyError, match=r"appa\.0001_initial, appb\.0001_initial"):
        MigrationLoader([a, b])


def test_first_and_latest_dependencies(make_app: MakeApp) -> None:
    auth = make_app("auth", chain("auth", "0001_initial", "0002_more", "0003_last"))
    plain = make_app("plain")
    polls = make_app(
        "polls",
        {
            "0001_initial.py": migration_source(
                '[("auth", "__first__"), ("plain", "__first__"), ("polls", "__first__")]'
            ),
            "0002_x.py": migration_source('[("polls", "0001_initial"), ("auth", "__latest__")]'),
        },
    )
    loader = MigrationLoader([auth, plain, polls])
    graph = loader.graph
    assert graph.node_map[("polls", "0001_initial")].parent_keys() == {("auth", "0001_initial")}
    assert graph.node_map[("polls", "0002_x")].parent_keys() == {
        ("polls", "0001_initial"),
        ("auth", "0003_last"),
    }
    assert loader.unmigrated_apps == {"plain"}


def test_first_dependency_on_an_app_with_no_migrations_yet_is_dropped(make_app: MakeApp) -> None:
    empty = make_app("emptyapp", {})
    polls = make_app("polls", {"0001_initial.py": migration_source('[("emptyapp", "__first__")]')})
    loader = MigrationLoader([empty, polls])
    assert loader.graph.node_map[("polls", "0001_initial")].parent_keys() == set()


def test_dependency_on_an_unknown_app_is_reported(make_app: MakeApp) -> None:
    polls = make_app("polls", {"0001_initial.py": migration_source('[("ghost", "__first__")]')})
    with pytest.raises(NodeNotFoundError, match=r"polls\.0001_initial .*'ghost'"):
        MigrationLoader([polls])


def test_run_before_makes_the_other_migration_depend_on_this_one(make_app: MakeApp) -> None:
    other = make_app("other", chain("other", "0001_initial", "0002_second"))
    polls = make_app(
        "polls",
        {
            "0001_initial.py": migration_source(extra='run_before = [("other", "0002_second")]\n'),
        },
    )
    loader = MigrationLoader([other, polls])
    assert ("polls", "0001_initial") in loader.graph.node_map[("other", "0002_second")].parents
    assert loader.graph.forwards_plan(("other", "0002_second")) == [
        ("polls", "0001_initial"),
        ("other", "0001_initial"),
        ("other", "0002_second"),
    ]


# -- squashed migrations -------------------------------------------------------------------


def squashed_app(make_app: MakeApp, keep_originals: bool = True) -> AppConfig:
    files = chain("polls", "0001_initial", "0002_second") if keep_originals else {}
    files["0001_squashed_0002_second.py"] = migration_source(
        extra='replaces = [("polls", "0001_initial"), ("polls", "0002_second")]\n'
    )
    files["0003_third.py"] = migration_source('[("polls", "0002_second")]')
    return make_app("polls", files)


def test_squash_is_used_when_nothing_is_applied(make_app: MakeApp) -> None:
    loader = MigrationLoader([squashed_app(make_app)])
    assert set(loader.graph.nodes) == {
        ("polls", "0001_squashed_0002_second"),
        ("polls", "0003_third"),
    }
    assert loader.graph.forwards_plan(("polls", "0003_third")) == [
        ("polls", "0001_squashed_0002_second"),
        ("polls", "0003_third"),
    ]
    assert ("polls", "0001_squashed_0002_second") not in loader.applied


def test_squash_is_used_and_applied_when_everything_it_replaces_is(make_app: MakeApp) -> None:
    applied = {("polls", "0001_initial"), ("polls", "0002_second")}
    loader = MigrationLoader([squashed_app(make_app)], applied=applied)
    assert ("polls", "0001_squashed_0002_second") in loader.graph.nodes
    assert ("polls", "0001_squashed_0002_second") in loader.applied


def test_partly_applied_squash_is_ignored(make_app: MakeApp) -> None:
    loader = MigrationLoader([squashed_app(make_app)], applied={("polls", "0001_initial")})
    assert set(loader.graph.nodes) == {
        ("polls", "0001_initial"),
        ("polls", "0002_second"),
        ("polls", "0003_third"),
    }
    assert loader.graph.leaf_nodes("polls") == [("polls", "0003_third")]
    # Replaced migrations stay addressable by name.
    assert loader.get_migration_by_prefix("polls", "0001_s").name == "0001_squashed_0002_second"


def test_squash_replaces_deleted_originals(make_app: MakeApp) -> None:
    loader = MigrationLoader([squashed_app(make_app, keep_originals=False)])
    assert loader.graph.node_map[("polls", "0003_third")].parent_keys() == {
        ("polls", "0001_squashed_0002_second")
    }


def test_partly_applied_squash_with_deleted_originals_explains_itself(make_app: MakeApp) -> None:
    app = squashed_app(make_app, keep_originals=False)
    with pytest.raises(NodeNotFoundError) as raised:
        MigrationLoader([app], applied={("polls", "0001_initial")})
    message = str(raised.value)
    assert message.startswith(
        "Migration polls.0003_third depends on nonexistent node ('polls', '0002_second')."
    )
    assert "[polls.0001_squashed_0002_second]" in message


# -- lookups and checks --------------------------------------------------------------------


@pytest.fixture
def named(make_app: MakeApp) -> MigrationLoader:
    files = chain("polls", "0001", "0001_initial", "0002_a", "0002_b")
    files["0003_merge.py"] = migration_source('[("polls", "0002_a"), ("polls", "0002_b")]')
    files["0002_b.py"] = migration_source('[("polls", "0001_initial")]')
    return MigrationLoader([make_app("polls", files)])


def test_prefix_exact_name_wins(named: MigrationLoader) -> None:
    assert named.get_migration_by_prefix("polls", "0001").name == "0001"


def test_prefix_unique_match(named: MigrationLoader) -> None:
    assert named.get_migration_by_prefix("polls", "0003").name == "0003_merge"
    assert named.get_migration_by_prefix("polls", "0001_i").name == "0001_initial"


def test_prefix_ambiguous(named: MigrationLoader) -> None:
    with pytest.raises(AmbiguityError) as raised:
        named.get_migration_by_prefix("polls", "0002")
    assert str(raised.value) == (
        "More than one migration matches '0002' in app 'polls' (0002_a, 0002_b). "
        "Please be more specific."
    )


def test_prefix_unknown(named: MigrationLoader) -> None:
    with pytest.raises(NodeNotFoundError) as raised:
        named.get_migration_by_prefix("polls", "0009")
    assert str(raised.value) == "Cannot find a migration matching '0009' from app 'polls'."
    with pytest.raises(NodeNotFoundError, match="from app 'other'"):
        named.get_migration_by_prefix("other", "0001")


def test_consistent_history_passes(named: MigrationLoader) -> None:
    named.check_consistent_history({("polls", "0001"), ("polls", "0001_initial")})
    named.check_consistent_history({("polls", "0001"), ("gone", "0001_initial")})
    named.check_consistent_history(set())


def test_inconsistent_history_names_both_migrations(named: MigrationLoader) -> None:
    with pytest.raises(InconsistentMigrationHistory) as raised:
        named.check_consistent_history({("polls", "0001"), ("polls", "0002_a")})
    assert str(raised.value) == (
        "Migration polls.0002_a is applied before its dependency polls.0001_initial "
        "on database 'default'."
    )


def test_history_with_applied_originals_of_an_unrecorded_squash_is_consistent(
    make_app: MakeApp,
) -> None:
    loader = MigrationLoader([squashed_app(make_app)])
    applied = {("polls", "0001_initial"), ("polls", "0002_second"), ("polls", "0003_third")}
    loader.check_consistent_history(applied)


def test_detect_conflicts(named: MigrationLoader, make_app: MakeApp) -> None:
    assert named.detect_conflicts() == {}
    polls = make_app(
        "forked",
        {
            "0001_initial.py": migration_source(),
            "0002_b.py": migration_source('[("forked", "0001_initial")]'),
            "0002_a.py": migration_source('[("forked", "0001_initial")]'),
        },
    )
    assert MigrationLoader([polls]).detect_conflicts() == {"forked": ["0002_a", "0002_b"]}


def test_project_state_replays_the_operations(make_app: MakeApp) -> None:
    create = '[migrations.CreateModel("Question", [("id", models.BigAutoField(primary_key=True))])]'
    add = '[migrations.AddField("question", "text", models.TextField(default=""))]'
    polls = make_app(
        "polls",
        {
            "0001_initial.py": migration_source(operations=create),
            "0002_text.py": migration_source('[("polls", "0001_initial")]', operations=add),
        },
    )
    loader = MigrationLoader([polls])
    assert list(loader.project_state().get_model("polls", "question").fields) == ["id", "text"]
    before = loader.project_state(("polls", "0002_text"), at_end=False)
    assert list(before.get_model("polls", "question").fields) == ["id"]


def test_files_written_or_changed_since_the_last_load_are_seen(
    make_app: MakeApp, tmp_path: Path
) -> None:
    polls = make_app("polls", chain("polls", "0001_initial"))
    assert list(MigrationLoader([polls]).disk_migrations) == [("polls", "0001_initial")]
    folder = tmp_path / "polls" / "migrations"
    (folder / "0002_new.py").write_text(migration_source('[("polls", "0001_initial")]'))
    (folder / "0001_initial.py").write_text(migration_source(extra="initial = True\n"))
    loader = MigrationLoader([polls])
    assert list(loader.disk_migrations) == [("polls", "0001_initial"), ("polls", "0002_new")]
    assert loader.get_migration("polls", "0001_initial").initial is True


def test_each_module_is_imported_once_per_change(make_app: MakeApp) -> None:
    polls = make_app("polls", chain("polls", "0001_initial"))
    MigrationLoader([polls])
    module = sys.modules["polls.migrations.0001_initial"]
    MigrationLoader([polls])
    assert sys.modules["polls.migrations.0001_initial"] is module


def test_get_migration_of_an_unknown_key(named: MigrationLoader) -> None:
    with pytest.raises(NodeNotFoundError, match=r"polls\.0042"):
        named.get_migration("polls", "0042")
