"""``migrate`` sends ``pre_migrate`` and ``post_migrate`` to the receivers apps connect in
``AppConfig.ready()``, as Django's does; a broken ``ready()`` is one clear error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.api_project import ApiProject, api_project_at

from schemashift import api
from schemashift.apps.imports import AppImportError

READY_APPS_PY = """\
from schemashift.apps import AppConfig
from schemashift.models.signals import post_migrate, pre_migrate

HEARD = []


def record(signal, sender, app_config, using, apps, plan, **kwargs):
    kind = "pre" if signal is pre_migrate else "post"
    try:
        fields = sorted(f.name for f in apps.get_model("shop", "Item")._meta.fields)
    except LookupError:
        fields = None
    HEARD.append((kind, app_config.label, using, [(m.name, back) for m, back in plan], fields))


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        pre_migrate.connect(record, sender=self)
        post_migrate.connect(record, sender=self)
"""

ITEM = """
from schemashift import models


class Item(models.Model):
    name = models.CharField(max_length=20)
"""


@pytest.fixture
def shop(tmp_path: Path, backend_url: str, clean_env: pytest.MonkeyPatch) -> Iterator[ApiProject]:
    with api_project_at(tmp_path / "p", backend_url, ("shop",), clean_env) as project:
        (project.dir / "shop" / "apps.py").write_text(READY_APPS_PY)
        project.load({"shop": ITEM})
        api.makemigrations("shop")
        yield project


def heard() -> list:
    import shop.apps

    return shop.apps.HEARD


def test_migrate_sends_pre_and_post_migrate_with_the_plan_and_the_models(
    shop: ApiProject,
) -> None:
    api.migrate()
    plan = [("0001_initial", False)]
    assert heard() == [
        ("pre", "shop", "default", plan, None),  # the models as they were: none yet
        ("post", "shop", "default", plan, ["id", "name"]),
    ]
    heard().clear()
    api.migrate()  # nothing to apply: the signals still come, as in Django
    assert [kind for kind, *_ in heard()] == ["pre", "post"]
    heard().clear()
    api.migrate("shop", "zero")
    assert heard()[-1] == ("post", "shop", "default", [("0001_initial", True)], None)
    heard().clear()
    api.migrate(plan=True)  # only the plan: nothing runs, nothing is sent
    assert heard() == []


def test_an_exception_in_ready_names_the_app_and_line(shop: ApiProject) -> None:
    (shop.dir / "shop" / "apps.py").write_text(
        "from schemashift.apps import AppConfig\n\n\n"
        "class ShopConfig(AppConfig):\n"
        "    name = 'shop'\n\n"
        "    def ready(self):\n"
        "        raise KeyError('missing')\n"
    )
    with pytest.raises(
        AppImportError,
        match=r"ShopConfig.ready\(\) of app 'shop' failed: "
        r"shop/apps.py, line 8: KeyError: 'missing'",
    ):
        shop.load()
