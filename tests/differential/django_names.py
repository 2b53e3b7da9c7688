"""Print, as JSON, the SQL Django's schema editor writes for models with long table names.

Run as ``python django_names.py <SQLAlchemy URL>`` with an empty database behind the URL; the
models are those of ``long_name_models()`` in ``test_django_names.py``, built here with
Django's ``models``.
"""

from __future__ import annotations

import json
import sys

import django
from django.conf import settings
from sqlalchemy.engine import make_url

#: model name -> (fields as (name, kind, options), Meta options); kept in step with the test
MODELS = json.loads(sys.argv[2])


def database_settings(url_text: str) -> dict[str, object]:
    url = make_url(url_text)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.database}
    if backend == "mysql":
        import pymysql

        pymysql.install_as_MySQLdb()
    return {
        "ENGINE": f"django.db.backends.{backend}",
        "NAME": url.database,
        "USER": url.username,
        "PASSWORD": url.password or "",
        "HOST": url.host,
        "PORT": url.port,
    }


def main() -> None:
    settings.configure(
        DATABASES={"default": database_settings(sys.argv[1])},
        INSTALLED_APPS=[],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
    from django.db import connection, models

    built = {}
    for name, (fields, meta) in MODELS.items():
        attrs = {
            "__module__": "shop.models",
            "Meta": type("Meta", (), {"app_label": "shop", **meta}),
        }
        for field_name, kind, options in fields:
            if kind == "ForeignKey":
                options = {**options, "to": built[options["to"]], "on_delete": models.CASCADE}
            attrs[field_name] = getattr(models, kind)(**options)
        built[name] = type(name, (models.Model,), attrs)
    with connection.schema_editor(collect_sql=True) as editor:
        for model in built.values():
            editor.create_model(model)
    tables = {name: model._meta.db_table for name, model in built.items()}
    print(json.dumps({"tables": tables, "sql": editor.collected_sql}))


if __name__ == "__main__":
    main()
