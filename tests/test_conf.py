from __future__ import annotations

import sys
from pathlib import Path

import pytest

import schemashift
from schemashift import conf
from schemashift.apps import apps
from schemashift.conf import Settings, load_settings, mask_password
from schemashift.exceptions import ImproperlyConfigured

MINIMAL = """
INSTALLED_APPS = []
DATABASES = {"default": "sqlite:///db.sqlite3"}
"""


def test_no_settings_module_names_both_ways_to_give_one(clean_env):
    with pytest.raises(ImproperlyConfigured, match="No settings module: pass --settings or set"):
        load_settings()


def test_settings_module_from_environment(make_settings, clean_env):
    module = make_settings(MINIMAL + "TIME_ZONE = 'UTC'\n")
    clean_env.setenv("SCHEMASHIFT_SETTINGS", module)
    settings = load_settings()
    assert module == settings.SETTINGS_MODULE
    assert settings.TIME_ZONE == "UTC"


def test_argument_wins_over_environment(make_settings, clean_env):
    first = make_settings(MINIMAL + "NAME = 'first'\n", package="first")
    second = make_settings(MINIMAL + "NAME = 'second'\n", package="second")
    clean_env.setenv("SCHEMASHIFT_SETTINGS", first)
    assert load_settings(second).NAME == "second"


def test_missing_module_is_named(make_settings):
    with pytest.raises(ImproperlyConfigured, match="Settings module 'nosuch.settings' not found"):
        load_settings("nosuch.settings")


def test_syntax_error_names_module_file_and_line(make_settings):
    module = make_settings("INSTALLED_APPS = [\nDATABASES = {}}\n")
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings(module)
    message = str(info.value)
    assert "'proj.settings' has a syntax error" in message
    assert "settings.py, line 2" in message


def test_exception_in_settings_is_reported_with_its_reason(make_settings):
    module = make_settings("INSTALLED_APPS = UNDEFINED\n")
    with pytest.raises(
        ImproperlyConfigured,
        match=r"'proj.settings' cannot be imported: \S*proj/settings.py, line 1: NameError",
    ):
        load_settings(module)


def test_missing_import_inside_settings_names_the_missing_module(make_settings):
    module = make_settings("import not_installed_anywhere\n")
    with pytest.raises(ImproperlyConfigured, match="No module named 'not_installed_anywhere'"):
        load_settings(module)


def test_defaults(make_settings):
    settings = load_settings(make_settings("lowercase = 1\n"))
    assert settings.INSTALLED_APPS == []
    assert settings.DATABASES == {}
    assert settings.DEFAULT_AUTO_FIELD == "schemashift.models.BigAutoField"
    assert settings.MIGRATIONS_TABLE == "schemashift_migrations"
    assert not hasattr(settings, "lowercase")


def test_relative_sqlite_path_is_relative_to_the_project_folder(make_settings, tmp_path):
    settings = load_settings(make_settings(MINIMAL))
    assert tmp_path.resolve() == settings.BASE_DIR
    assert settings.DATABASES["default"] == f"sqlite:///{tmp_path.resolve() / 'db.sqlite3'}"


def test_base_dir_from_settings_wins(make_settings, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    module = make_settings(f"BASE_DIR = {str(elsewhere)!r}\n" + MINIMAL)
    settings = load_settings(module)
    assert elsewhere == settings.BASE_DIR
    assert settings.DATABASES["default"] == f"sqlite:///{elsewhere / 'db.sqlite3'}"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///:memory:",
        "sqlite://",
        "sqlite:////var/lib/app/db.sqlite3",
        "postgresql+psycopg://user:secret@localhost/mysite",
        "mysql+pymysql://user@db:3306/mysite",
    ],
)
def test_other_urls_are_left_alone(url):
    assert Settings(DATABASES={"default": url}).DATABASES["default"] == url


def test_relative_sqlite_keeps_driver_and_query():
    url = "sqlite+pysqlite:///data/app.db?timeout=5"
    resolved = Settings(BASE_DIR="/srv/site", DATABASES={"default": url}).DATABASES["default"]
    assert resolved == "sqlite+pysqlite:////srv/site/data/app.db?timeout=5"


def test_database_url_replaces_default_only(make_settings, clean_env, tmp_path):
    module = make_settings(
        'DATABASES = {"default": "sqlite:///db.sqlite3", "other": "sqlite:///other.db"}\n'
    )
    clean_env.setenv("DATABASE_URL", "postgresql+psycopg://app@localhost/app")
    settings = load_settings(module)
    assert settings.DATABASES["default"] == "postgresql+psycopg://app@localhost/app"
    assert settings.DATABASES["other"] == f"sqlite:///{tmp_path.resolve() / 'other.db'}"


def test_database_url_adds_default_when_databases_is_missing(make_settings, clean_env):
    clean_env.setenv("DATABASE_URL", "sqlite:////tmp/override.db")
    settings = load_settings(make_settings("INSTALLED_APPS = []\n"))
    assert settings.database_url() == "sqlite:////tmp/override.db"


def test_missing_database_alias_says_what_to_set():
    with pytest.raises(ImproperlyConfigured, match="No database 'default'.*DATABASE_URL"):
        Settings().database_url()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("django.db.models.BigAutoField", "schemashift.models.BigAutoField"),
        ("django.db.models.AutoField", "schemashift.models.AutoField"),
        ("BigAutoField", "schemashift.models.BigAutoField"),
        ("schemashift.models.SmallAutoField", "schemashift.models.SmallAutoField"),
        ("myproject.fields.UUIDAutoField", "myproject.fields.UUIDAutoField"),
    ],
)
def test_default_auto_field_spellings(given, expected):
    assert expected == Settings(DEFAULT_AUTO_FIELD=given).DEFAULT_AUTO_FIELD


def test_django_style_database_dicts():
    settings = Settings(
        BASE_DIR="/srv/site",
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"},
            "absolute": {"ENGINE": "django.db.backends.sqlite3", "NAME": Path("/data/x.db")},
            "pg": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "site",
                "USER": "app",
                "PASSWORD": "p@ss",
                "HOST": "db",
                "PORT": 5433,
            },
        },
    )
    assert settings.DATABASES == {
        "default": "sqlite:////srv/site/db.sqlite3",
        "absolute": "sqlite:////data/x.db",
        "pg": "postgresql+psycopg://app:p%40ss@db:5433/site",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"INSTALLED_APPS": "polls"}, "INSTALLED_APPS must be a list"),
        ({"DATABASES": "sqlite:///db.sqlite3"}, "DATABASES must be a dict"),
        ({"DATABASES": {"default": "db.sqlite3"}}, r"DATABASES\['default'\] must be a URL"),
        ({"DATABASES": {"default": {"ENGINE": "oracle"}}}, "unknown ENGINE 'oracle'"),
        ({"DEFAULT_AUTO_FIELD": None}, "DEFAULT_AUTO_FIELD must be a dotted path"),
    ],
)
def test_invalid_settings_are_explained(values, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Settings(**values)


def test_settings_accessor_requires_configuration(make_settings):
    assert not conf.is_configured()
    with pytest.raises(ImproperlyConfigured, match="not configured"):
        _ = conf.settings.DATABASES
    configured = conf.configure(load_settings(make_settings(MINIMAL)))
    assert conf.settings.DATABASES is configured.DATABASES
    assert conf.get_settings() is configured
    conf.reset()
    assert not conf.is_configured()


def test_configure_from_values():
    try:
        conf.configure(INSTALLED_APPS=["polls"], DATABASES={"default": "sqlite://"})
        assert conf.settings.INSTALLED_APPS == ["polls"]
    finally:
        conf.reset()


def test_setup_configures_settings_and_populates_apps(make_settings, tmp_path):
    blog = tmp_path / "blog"
    blog.mkdir()
    (blog / "__init__.py").touch()
    (blog / "apps.py").write_text(
        "from schemashift.apps import AppConfig\n\n\n"
        "class BlogConfig(AppConfig):\n    name = 'blog'\n"
    )
    module = make_settings('INSTALLED_APPS = ["blog.apps.BlogConfig"]\n')
    try:
        settings = schemashift.setup(module)
        assert conf.settings.INSTALLED_APPS == ["blog.apps.BlogConfig"] == settings.INSTALLED_APPS
        assert apps.get_app_config("blog").path == blog.resolve()
    finally:
        for name in ("blog", "blog.apps"):
            sys.modules.pop(name, None)


@pytest.mark.parametrize(("value", "seconds"), [(None, None), (0, 0.0), (30, 30.0), (2.5, 2.5)])
def test_migration_lock_timeout(value, seconds):
    timeout = Settings(MIGRATION_LOCK_TIMEOUT=value).MIGRATION_LOCK_TIMEOUT
    assert timeout == seconds


def test_migration_lock_timeout_defaults_to_ten_minutes():
    timeout = Settings().MIGRATION_LOCK_TIMEOUT
    assert timeout == 600.0


@pytest.mark.parametrize("value", [-1, "60", True])
def test_a_bad_migration_lock_timeout_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="MIGRATION_LOCK_TIMEOUT must be a number"):
        Settings(MIGRATION_LOCK_TIMEOUT=value)


def test_ddl_lock_waits_default_to_a_tenth_of_a_second_and_ten_retries():
    settings = Settings(MIGRATION_DDL_LOCK_TIMEOUT=None)
    assert settings.MIGRATION_DDL_LOCK_TIMEOUT is None
    assert (Settings().MIGRATION_DDL_LOCK_TIMEOUT, Settings().MIGRATION_DDL_LOCK_RETRIES) == (
        0.1,
        10,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MIGRATION_DDL_LOCK_TIMEOUT", -0.5, "MIGRATION_DDL_LOCK_TIMEOUT must be a number"),
        ("MIGRATION_DDL_LOCK_TIMEOUT", "1", "MIGRATION_DDL_LOCK_TIMEOUT must be a number"),
        ("MIGRATION_DDL_LOCK_RETRIES", -1, "MIGRATION_DDL_LOCK_RETRIES must be a whole number"),
        ("MIGRATION_DDL_LOCK_RETRIES", 2.5, "MIGRATION_DDL_LOCK_RETRIES must be a whole number"),
        ("MIGRATION_DDL_LOCK_RETRIES", True, "MIGRATION_DDL_LOCK_RETRIES must be a whole number"),
    ],
)
def test_a_bad_ddl_lock_setting_is_refused_by_name(name, value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Settings(**{name: value})


@pytest.mark.parametrize("value", ["", "  ", " padded", 5, None])
def test_a_bad_migrations_table_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="MIGRATIONS_TABLE must be a table name"):
        Settings(MIGRATIONS_TABLE=value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("oracle://app:secret@db/site", r"unknown scheme 'oracle'"),
        ("postgresql://app:secret@db:port/site", r"'postgresql://app:\*\*\*@db:port/site'"),
        ("mysql://app:secret@[db/site", r"cannot be read: Invalid IPv6 URL"),
    ],
)
def test_an_unusable_database_url_is_refused_with_the_password_hidden(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as raised:
        Settings(DATABASES={"default": url})
    assert "secret" not in str(raised.value)


def test_mask_password():
    assert mask_password("postgresql://u:p@h:5432/db?x=1") == "postgresql://u:***@h:5432/db?x=1"
    assert mask_password("sqlite:///db.sqlite3") == "sqlite:///db.sqlite3"
    assert mask_password("mysql://u@h/db") == "mysql://u@h/db"
