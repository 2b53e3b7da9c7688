"""Settings from the [tool.schemashift] table of pyproject.toml (schemashift.pyproject)."""

from __future__ import annotations

import sys
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import schemashift
from schemashift import conf, pyproject
from schemashift.apps import apps
from schemashift.conf import load_settings
from schemashift.exceptions import ImproperlyConfigured

TABLE = """
[tool.schemashift]
installed_apps = ["polls"]
databases = { default = "sqlite:///db.sqlite3" }
"""


@pytest.fixture
def project(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Iterator[Callable[[str], Path]]:
    """A factory writing ``<tmp>/proj/pyproject.toml``; the test runs in ``<tmp>/proj``.

    sys.path, the settings and the app registry are restored afterwards.
    """
    folder = tmp_path / "proj"
    folder.mkdir()
    clean_env.chdir(folder)
    clean_env.setattr(sys, "path", list(sys.path))
    modules = set(sys.modules)

    def write(text: str) -> Path:
        path = folder / "pyproject.toml"
        path.write_text(textwrap.dedent(text))
        return path

    yield write
    for name in set(sys.modules) - modules:
        if name.partition(".")[0] in {"polls", "proj"}:
            del sys.modules[name]
    conf.reset()
    apps.reset()


def make_app(folder: Path, name: str = "polls") -> None:
    (folder / name / "migrations").mkdir(parents=True)
    (folder / name / "__init__.py").touch()
    (folder / name / "migrations" / "__init__.py").touch()
    (folder / name / "models.py").write_text("from schemashift import models\n")


def test_the_table_gives_the_settings(project):
    path = project(
        """
        [project]
        name = "polls"

        [tool.schemashift]
        installed_apps = ["polls", "schemashift.contrib.auth"]
        databases = { default = "sqlite:///db.sqlite3", other = "postgresql://u@h/other" }
        migrations_table = "history"
        default_auto_field = "AutoField"
        auth_user_model = "accounts.User"
        time_zone = "Europe/Paris"
        migration_lock_timeout = 30
        migration_ddl_lock_timeout = 0.5
        migration_ddl_lock_retries = 3
        lint_rows = 500
        """
    )
    settings = load_settings()
    assert path.resolve() == settings.PYPROJECT
    assert settings.SETTINGS_MODULE is None
    assert path.parent.resolve() == settings.BASE_DIR
    assert settings.INSTALLED_APPS == ["polls", "schemashift.contrib.auth"]
    assert {
        "default": f"sqlite:///{path.parent.resolve().as_posix()}/db.sqlite3",
        "other": "postgresql://u@h/other",
    } == settings.DATABASES
    assert settings.MIGRATIONS_TABLE == "history"
    assert settings.DEFAULT_AUTO_FIELD == "schemashift.models.AutoField"
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.MIGRATION_LOCK_TIMEOUT == 30.0
    assert settings.MIGRATION_DDL_LOCK_TIMEOUT == 0.5
    assert settings.MIGRATION_DDL_LOCK_RETRIES == 3
    assert settings.LINT_ROWS == 500


def test_defaults_of_a_minimal_table(project):
    project("[tool.schemashift]\n")
    settings = load_settings()
    assert settings.INSTALLED_APPS == []
    assert settings.DATABASES == {}
    assert settings.MIGRATIONS_TABLE == "schemashift_migrations"
    assert settings.DEFAULT_AUTO_FIELD == "schemashift.models.BigAutoField"
    assert not hasattr(settings, "TIME_ZONE")


def test_database_is_short_for_the_default_alias(project):
    path = project(
        """
        [tool.schemashift]
        database = "sqlite:///data/app.sqlite3"
        databases = { replica = "mysql://u@h/replica" }
        """
    )
    assert {
        "replica": "mysql://u@h/replica",
        "default": f"sqlite:///{path.parent.resolve().as_posix()}/data/app.sqlite3",
    } == load_settings().DATABASES


def test_the_default_database_given_twice_is_refused(project):
    project(
        """
        [tool.schemashift]
        database = "sqlite:///a.sqlite3"
        databases = { default = "sqlite:///b.sqlite3" }
        """
    )
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings()
    assert str(info.value) == (
        "pyproject.toml [tool.schemashift] gives the default database twice, as database and "
        "as databases.default: keep one of them."
    )


def test_found_from_a_subfolder_with_paths_relative_to_the_pyproject(project, clean_env):
    path = project(TABLE)
    deeper = path.parent / "src" / "deeper"
    deeper.mkdir(parents=True)
    (deeper / "pyproject.toml").write_text('[project]\nname = "schemashift-less"\n')
    clean_env.chdir(deeper)
    settings = load_settings()
    assert path.resolve() == settings.PYPROJECT
    assert (
        settings.DATABASES["default"] == f"sqlite:///{path.parent.resolve().as_posix()}/db.sqlite3"
    )
    assert str(path.parent.resolve()) in sys.path


def test_the_nearest_table_wins(project, clean_env):
    project(TABLE)
    inner = Path.cwd() / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[tool.schemashift]\ninstalled_apps = ["inner"]\n')
    clean_env.chdir(inner)
    assert load_settings().INSTALLED_APPS == ["inner"]


def test_find_pyproject_skips_files_without_the_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text(TABLE)
    child = tmp_path / "child"
    child.mkdir()
    (child / "pyproject.toml").write_text('[tool.other]\nschemashift = "no"\n')
    assert pyproject.find_pyproject(child) == tmp_path / "pyproject.toml"


def test_an_unrelated_broken_pyproject_is_not_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(TABLE)
    child = tmp_path / "child"
    child.mkdir()
    (child / "pyproject.toml").write_text("[project\nname = 'broken'\n")
    assert pyproject.find_pyproject(child) == tmp_path / "pyproject.toml"


def test_setup_with_no_arguments_reads_the_pyproject_and_imports_the_apps(project, clean_env):
    path = project(TABLE)
    make_app(path.parent)
    (path.parent / "polls" / "models.py").write_text(
        "from schemashift import models\n\n\n"
        "class Question(models.Model):\n    text = models.CharField(max_length=200)\n"
    )
    sub = path.parent / "scripts"
    sub.mkdir()
    clean_env.chdir(sub)
    settings = schemashift.setup()
    assert conf.settings.PYPROJECT == path.resolve() == settings.PYPROJECT
    assert apps.get_app_config("polls").path == (path.parent / "polls").resolve()
    assert apps.get_model("polls", "Question")._meta.db_table == "polls_question"


def test_a_settings_module_wins_over_the_pyproject(project, make_settings, clean_env):
    project(TABLE)
    module = make_settings('INSTALLED_APPS = ["from_module"]\n')
    assert load_settings(module).INSTALLED_APPS == ["from_module"]
    clean_env.setenv(conf.SETTINGS_ENV, module)
    assert load_settings().INSTALLED_APPS == ["from_module"]


def test_database_url_overrides_the_default_of_the_pyproject(project, clean_env):
    project(
        """
        [tool.schemashift]
        databases = { default = "sqlite:///db.sqlite3", other = "sqlite:///other.sqlite3" }
        """
    )
    clean_env.setenv(conf.DATABASE_URL_ENV, "postgresql://u@h/elsewhere")
    settings = load_settings()
    assert settings.DATABASES["default"] == "postgresql://u@h/elsewhere"
    assert settings.DATABASES["other"].endswith("/proj/other.sqlite3")


def test_without_a_pyproject_the_message_names_every_way(project, clean_env):
    project('[project]\nname = "no-table"\n')
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith("No settings module: pass --settings or set SCHEMASHIFT_SETTINGS")
    assert "no pyproject.toml with a [tool.schemashift] table in " in message
    assert "'schemashift init APP' writes one" in message


def test_a_missing_alias_says_to_add_it_to_the_table(project):
    path = project("[tool.schemashift]\n")
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings().database_url("replica")
    assert str(info.value) == (
        f"No database 'replica': add it to databases in {path.resolve()} [tool.schemashift]."
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'installed_apps = "polls"',
            "pyproject.toml [tool.schemashift] installed_apps must be a list of app names such "
            "as [\"polls\"], not 'polls'.",
        ),
        (
            "installed_apps = [1]",
            "pyproject.toml [tool.schemashift] installed_apps must be a list of app names such "
            'as ["polls"], not [1].',
        ),
        (
            'databases = "sqlite:///db.sqlite3"',
            "pyproject.toml [tool.schemashift] databases must be a table of database URLs by "
            "alias such as { default = \"sqlite:///db.sqlite3\" }, not 'sqlite:///db.sqlite3'.",
        ),
        (
            "databases = { default = 5 }",
            "pyproject.toml [tool.schemashift] databases.default must be a database URL such as "
            '"sqlite:///db.sqlite3", not 5.',
        ),
        (
            'databases = { default = "oracle://h/db" }',
            "pyproject.toml [tool.schemashift] databases.default ('oracle://h/db', database "
            "'default') has an unknown scheme 'oracle'",
        ),
        (
            'database = "db.sqlite3"',
            "pyproject.toml [tool.schemashift] database must be a URL such as "
            "'sqlite:///db.sqlite3'",
        ),
        (
            "migrations_table = 7",
            "pyproject.toml [tool.schemashift] migrations_table must be a table name such as "
            "'schemashift_migrations', not 7.",
        ),
        (
            f'migrations_table = "{"t" * 60}"',
            f"pyproject.toml [tool.schemashift] migrations_table '{'t' * 60}' is too long",
        ),
        (
            'default_auto_field = ""',
            "pyproject.toml [tool.schemashift] default_auto_field must be a dotted path",
        ),
        (
            'auth_user_model = "User"',
            "pyproject.toml [tool.schemashift] auth_user_model must be of the form "
            "'app_label.ModelName'",
        ),
        (
            'time_zone = "Mars/Olympus"',
            "pyproject.toml [tool.schemashift] time_zone must be a time zone name such as 'UTC' "
            "or 'Europe/Paris', not 'Mars/Olympus'.",
        ),
        (
            "time_zone = 1",
            "pyproject.toml [tool.schemashift] time_zone must be a time zone name",
        ),
        (
            'migration_lock_timeout = "60"',
            "pyproject.toml [tool.schemashift] migration_lock_timeout must be a number of "
            "seconds (0 or more), not '60'.",
        ),
        (
            "migration_ddl_lock_timeout = -1",
            "pyproject.toml [tool.schemashift] migration_ddl_lock_timeout must be a number of "
            "seconds (0 or more), not -1.",
        ),
        (
            "migration_lock_timeout = inf",
            "pyproject.toml [tool.schemashift] migration_lock_timeout must be a number of "
            "seconds (0 or more), not inf.",
        ),
        (
            "migration_ddl_lock_retries = 1.5",
            "pyproject.toml [tool.schemashift] migration_ddl_lock_retries must be a whole "
            "number (0 or more), not 1.5.",
        ),
        (
            "lint_rows = true",
            "pyproject.toml [tool.schemashift] lint_rows must be a whole number (0 or more), "
            "not True.",
        ),
        (
            "installed_app = []",
            "pyproject.toml [tool.schemashift] has an unknown key 'installed_app'. Did you "
            "mean 'installed_apps'? The keys are: auth_user_model, database, databases, ",
        ),
        (
            "INSTALLED_APPS = []",
            "pyproject.toml [tool.schemashift] has an unknown key 'INSTALLED_APPS'. Did you "
            "mean 'installed_apps'?",
        ),
        (
            'installed_apps = ["schemashift.contrib.admin"]',
            "INSTALLED_APPS entry 'schemashift.contrib.admin' is Django's the admin site",
        ),
    ],
)
def test_a_bad_key_is_named_with_the_file(project, line, message):
    project(f"[tool.schemashift]\n{line}\n")
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings()
    assert str(info.value).startswith(message)
    assert "pyproject.toml [tool.schemashift]" in str(info.value)


def test_a_toml_syntax_error_names_the_file_and_line(project):
    project('[project]\nname = "x"\n\n[tool.schemashift]\ninstalled_apps = [polls]\n')
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings()
    assert str(info.value) == (
        "pyproject.toml is not valid TOML: Invalid value (at line 5, column 19)."
    )


def test_tool_schemashift_that_is_not_a_table_is_refused(project):
    project('[tool]\nschemashift = "polls"\n')
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings()
    assert str(info.value) == (
        "pyproject.toml: tool.schemashift must be a table ([tool.schemashift]), not 'polls'."
    )


def test_the_file_is_named_relative_to_a_subfolder_as_the_user_sees_it(project, clean_env):
    path = project('[tool.schemashift]\ninstalled_apps = "polls"\n')
    (path.parent / "sub").mkdir()
    clean_env.chdir(path.parent / "sub")
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings()
    assert str(info.value).startswith(f"{path.resolve()} [tool.schemashift] installed_apps ")


@pytest.mark.parametrize("value", ["Nowhere/City", "", "../etc/passwd", 3])
def test_a_settings_module_time_zone_must_be_a_time_zone(make_settings, tmp_path, value):
    module = make_settings(f"TIME_ZONE = {value!r}\n")
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings(module)
    assert str(info.value).startswith("TIME_ZONE must be a time zone name such as 'UTC'")
    assert str(info.value).endswith(" Fix it in " + str(tmp_path / "proj" / "settings.py") + ".")


def test_a_settings_module_time_zone_of_none_means_utc(make_settings):
    assert load_settings(make_settings("TIME_ZONE = None\n")).TIME_ZONE is None


# -- writing the table ------------------------------------------------------------------------


def test_the_rendered_table_reads_back(tmp_path):
    url = 'postgresql://user:p"a\\ss@host/db'
    path = tmp_path / "pyproject.toml"
    path.write_text(
        pyproject.render_new_pyproject("my-project", pyproject.render_table(["polls"], url), "x")
    )
    document = tomllib.loads(path.read_text())
    assert document["project"]["name"] == "my-project"
    assert document["tool"]["schemashift"] == {
        "installed_apps": ["polls"],
        "databases": {"default": url},
    }


@pytest.mark.parametrize(
    "existing",
    [
        b'[project]\nname = "x"\n',
        b'[project]\nname = "x"',
        b'[project]\r\nname = "x"\r\n\r\n[tool.ruff]\r\nline-length = 100',
        b"# just a comment\n",
        b"",
    ],
)
def test_the_table_is_appended_keeping_the_file_byte_for_byte(tmp_path, existing):
    path = tmp_path / "pyproject.toml"
    path.write_bytes(existing)
    table = pyproject.render_table(["polls"], "sqlite:///db.sqlite3")
    content = pyproject.with_table(path, table)
    assert content.startswith(existing)
    newline = "\r\n" if b"\r\n" in existing else "\n"
    assert content.endswith(table.replace("\n", newline).encode())
    assert tomllib.loads(content.decode())["tool"]["schemashift"]["installed_apps"] == ["polls"]


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            '[tool.schemashift]\ninstalled_apps = ["shop"]\n',
            "pyproject.toml already has a [tool.schemashift] table: add the app to its "
            "installed_apps instead.",
        ),
        (
            "tool = { schemashift = {} }\n",
            "pyproject.toml already has a [tool.schemashift] table",
        ),
        (
            "tool = { ruff = { line-length = 100 } }\n",
            "pyproject.toml cannot take a [tool.schemashift] table as it is written (",
        ),
        ("[project\n", "pyproject.toml cannot take a [tool.schemashift] table as it is written"),
        ("[project\nname = 'schemashift'\n", "pyproject.toml is not valid TOML: "),
    ],
)
def test_a_pyproject_that_cannot_take_the_table_is_refused(tmp_path, clean_env, existing, message):
    clean_env.chdir(tmp_path)
    path = tmp_path / "pyproject.toml"
    path.write_text(existing)
    with pytest.raises(ImproperlyConfigured) as info:
        pyproject.with_table(path, pyproject.render_table(["polls"], "sqlite:///db.sqlite3"))
    assert str(info.value).startswith(message)
    assert path.read_text() == existing
