from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from schemashift.cli.context import get_state, setup_project
from schemashift.cli.main import LazyGroup, hoist_global_options, main
from schemashift.exceptions import MissingDefault

VENV_BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SCHEMASHIFT_SETTINGS", "DATABASE_URL"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def schemashift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "schemashift", *args, cwd=cwd)


@pytest.fixture(autouse=True)
def restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs put the current folder on sys.path; keep that to the test."""
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in-process in an empty folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def mysite(tmp_path: Path) -> Path:
    result = schemashift("startproject", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""
    return tmp_path / "mysite"


def test_startproject_writes_manage_py_and_settings(mysite: Path):
    files = sorted(str(p.relative_to(mysite)) for p in mysite.rglob("*") if p.is_file())
    assert files == ["manage.py", "mysite/__init__.py", "mysite/settings.py"]
    assert os.access(mysite / "manage.py", os.X_OK)
    manage = (mysite / "manage.py").read_text()
    assert 'os.environ.setdefault("SCHEMASHIFT_SETTINGS", "mysite.settings")' in manage
    settings = (mysite / "mysite" / "settings.py").read_text()
    assert "BASE_DIR = Path(__file__).resolve().parent.parent" in settings
    assert "INSTALLED_APPS = []" in settings
    assert '"polls.apps.PollsConfig"' in settings
    assert 'DATABASES = {\n    "default": "sqlite:///db.sqlite3",\n}' in settings
    assert 'DEFAULT_AUTO_FIELD = "schemashift.models.BigAutoField"' in settings


def test_generated_settings_load(mysite: Path):
    code = (
        "from schemashift.conf import load_settings; s = load_settings('mysite.settings'); "
        "print(s.BASE_DIR, s.DATABASES['default'], s.INSTALLED_APPS)"
    )
    result = run(sys.executable, "-c", code, cwd=mysite)
    assert result.returncode == 0, result.stderr
    base_dir = mysite.resolve()
    assert result.stdout.split() == [str(base_dir), f"sqlite:///{base_dir}/db.sqlite3", "[]"]


def test_startproject_into_directory(tmp_path: Path):
    result = schemashift("startproject", "mysite", "here", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "here" / "manage.py").is_file()
    assert (tmp_path / "here" / "mysite" / "settings.py").is_file()


def test_startapp_writes_the_app(mysite: Path):
    result = run(sys.executable, "manage.py", "startapp", "polls", cwd=mysite)
    assert result.returncode == 0, result.stderr
    app = mysite / "polls"
    files = sorted(str(p.relative_to(app)) for p in app.rglob("*") if p.is_file())
    assert files == ["__init__.py", "apps.py", "migrations/__init__.py", "models.py"]
    assert (app / "apps.py").read_text() == (
        "from schemashift.apps import AppConfig\n\n\n"
        "class PollsConfig(AppConfig):\n"
        '    default_auto_field = "schemashift.models.BigAutoField"\n'
        '    name = "polls"\n'
    )
    assert (app / "models.py").read_text() == (
        "from schemashift import models\n\n# Create your models here.\n"
    )


def test_startapp_class_name_is_camel_case(in_tmp: Path):
    result = CliRunner().invoke(main, ["startapp", "blog_posts"])
    assert result.exit_code == 0, result.output
    assert "class BlogPostsConfig(AppConfig):" in (in_tmp / "blog_posts/apps.py").read_text()


@pytest.mark.parametrize("command", ["startproject", "startapp"])
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("my-site", "'my-site' is not a valid"),
        ("1st", "'1st' is not a valid"),
        ("class", "'class' is not a valid"),
        ("os", "'os' conflicts with the name of an existing Python module"),
        ("click", "'click' conflicts with the name of an existing Python module"),
    ],
)
def test_invalid_names_are_refused(in_tmp: Path, command, name, message):
    result = CliRunner().invoke(main, [command, name])
    assert result.exit_code == 1
    assert message in result.output
    assert os.listdir(in_tmp) == []


@pytest.mark.parametrize("command", ["startproject", "startapp"])
def test_existing_folder_is_refused_unless_empty(in_tmp: Path, command):
    (in_tmp / "blog").mkdir()
    assert CliRunner().invoke(main, [command, "blog"]).exit_code == 0
    result = CliRunner().invoke(main, [command, "blog"])
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output


def test_user_error_is_one_line_without_traceback(tmp_path: Path):
    result = schemashift("startproject", "my-site", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "CommandError: 'my-site' is not a valid project name: use a valid Python identifier "
        "(letters, digits and underscores, not starting with a digit)."
    ]


def _help(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n", 1)[1]  # drop the usage line, which names the program


def test_module_script_and_manage_py_reach_the_same_commands(mysite: Path):
    via_module = _help(schemashift("--help", cwd=mysite))
    via_manage = _help(run(sys.executable, "manage.py", "--help", cwd=mysite))
    assert via_module == via_manage
    for name in ["startproject", "startapp", "makemigrations", "sqlmigrate", "check", "migrate"]:
        assert f"  {name} " in via_module
    assert "showmigrations" in via_module
    script = VENV_BIN / "schemashift"
    if not script.exists():
        pytest.skip("the schemashift script is not installed next to this interpreter")
    assert _help(run(str(script), "--help", cwd=mysite)) == via_module


def test_manage_py_works_from_another_folder(mysite: Path):
    result = run(sys.executable, "mysite/manage.py", "startapp", "polls", cwd=mysite.parent)
    assert result.returncode == 0, result.stderr
    assert (mysite.parent / "polls" / "apps.py").is_file()


def test_importing_the_cli_and_asking_for_help_stay_light(tmp_path: Path):
    code = (
        "import sys\n"
        "from schemashift.cli.main import main\n"
        "main(['--help'], standalone_mode=False)\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'rich')]\n"
        "commands = [m for m in sys.modules if m.startswith('schemashift.cli.')]\n"
        "print(heavy, sorted(commands))\n"
    )
    result = run(sys.executable, "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[] ['schemashift.cli.main']"


def test_version(tmp_path: Path):
    result = schemashift("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("schemashift, version ")


def _group(*commands: click.Command, lazy: dict[str, tuple[str, str]] | None = None) -> LazyGroup:
    group = LazyGroup(name="test", params=main.params, callback=main.callback, lazy_commands=lazy)
    for command in commands:
        group.add_command(command)
    return group


def test_missing_command_module_is_a_clean_error():
    group = _group(lazy={"ghost": ("schemashift.cli.ghost:command", "Haunt the database.")})
    assert "ghost  Haunt the database." in CliRunner().invoke(group, ["--help"]).output
    result = CliRunner().invoke(group, ["ghost"])
    assert result.exit_code == 1
    assert result.output == (
        "CommandError: The 'ghost' command is not available in this installation "
        "(module schemashift.cli.ghost is missing).\n"
    )


def test_unknown_command_suggests_lazy_commands():
    result = CliRunner().invoke(main, ["migrat"])
    assert result.exit_code == 2
    assert "No such command 'migrat'. Did you mean 'migrate'" in result.output


def test_error_exit_code_comes_from_the_exception():
    @click.command()
    def needs_default() -> None:
        raise MissingDefault("Field 'polls.Question.slug' needs a default.")

    result = CliRunner().invoke(_group(needs_default), ["needs-default"])
    assert result.exit_code == 3
    assert result.output == "CommandError: Field 'polls.Question.slug' needs a default.\n"


def test_traceback_option_shows_the_traceback():
    @click.command()
    def fail() -> None:
        raise MissingDefault("no default")

    result = CliRunner().invoke(_group(fail), ["--traceback", "fail"])
    assert result.exit_code == 3
    assert "Traceback" in result.output
    assert result.output.endswith("CommandError: no default\n")


def test_keyboard_interrupt_exits_130_quietly():
    @click.command()
    def wait() -> None:
        raise KeyboardInterrupt

    result = CliRunner().invoke(_group(wait), ["wait"])
    assert result.exit_code == 130
    assert result.output == ""


@click.command()
def show_settings() -> None:
    settings = setup_project()
    click.echo(f"{get_state().settings_module} {settings.SETTINGS_MODULE}")


@pytest.mark.parametrize(
    "args",
    [
        ["--settings", "{module}", "show-settings"],
        ["--settings={module}", "show-settings"],
        ["show-settings", "--settings", "{module}"],
    ],
)
def test_setup_project_loads_the_settings_option(make_settings, args):
    module = make_settings("INSTALLED_APPS = []\n")
    result = CliRunner().invoke(_group(show_settings), [a.format(module=module) for a in args])
    assert result.exit_code == 0, result.output
    assert result.output == f"{module} {module}\n"


def test_setup_project_falls_back_to_the_environment(make_settings, clean_env):
    module = make_settings("INSTALLED_APPS = []\n")
    clean_env.setenv("SCHEMASHIFT_SETTINGS", module)
    result = CliRunner().invoke(_group(show_settings), ["show-settings"])
    assert result.output == f"None {module}\n"


def test_setup_project_without_settings_is_a_clean_error(clean_env):
    result = CliRunner().invoke(_group(show_settings), ["show-settings"])
    assert result.exit_code == 1
    assert result.output.startswith("CommandError: No settings module: pass --settings or set")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["migrate"], ["migrate"]),
        (["migrate", "--settings", "a.b", "polls"], ["--settings", "a.b", "migrate", "polls"]),
        (["migrate", "--settings=a.b"], ["--settings=a.b", "migrate"]),
        (["run", "--", "--settings", "x"], ["run", "--", "--settings", "x"]),
        (
            ["migrate", "polls", "--traceback", "-v", "2", "--pythonpath", "src"],
            ["--traceback", "-v", "2", "--pythonpath", "src", "migrate", "polls"],
        ),
        (["check", "-v0", "--no-color"], ["-v0", "--no-color", "check"]),
        (["check", "--verbosity=3"], ["--verbosity=3", "check"]),
    ],
)
def test_global_options_after_the_command_are_hoisted(args, expected):
    assert hoist_global_options(args) == expected
