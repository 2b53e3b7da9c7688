"""The query API reaches tables and columns by their exact names, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa

from schemashift.db.connections import connections

PERCENT_MODELS = """
    from schemashift import models


    class Thing(models.Model):
        name = models.CharField(max_length=20, db_column="na%sme%%")

        class Meta:
            db_table = "tbl%s%%"


    class Part(models.Model):
        thing = models.ForeignKey(Thing, models.CASCADE, db_column="thing%(x)s")

        class Meta:
            db_table = "part%(x)s%"
"""


def test_names_with_percent_signs(make_app: Callable[..., ModuleType]) -> None:
    app = make_app(PERCENT_MODELS, label="pct")
    assert sorted(sa.inspect(connections["default"].database.engine).get_table_names()) == [
        "part%(x)s%",
        "tbl%s%%",
    ]
    thing = app.Thing.objects.create(name="50%s")
    app.Part.objects.create(thing=thing)
    assert app.Thing.objects.filter(name="50%s").count() == 1
    assert app.Part.objects.filter(thing__name__startswith="50%").count() == 1
    assert list(app.Thing.objects.values_list("name", flat=True)) == ["50%s"]
    assert app.Thing.objects.filter(pk=thing.pk).update(name="%%") == 1
    thing.refresh_from_db()
    assert thing.name == "%%"
    app.Thing.objects.filter(pk=thing.pk).delete()
    assert app.Part.objects.count() == 0
