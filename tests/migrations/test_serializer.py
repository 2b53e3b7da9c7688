"""Values written into migration files: source text, imports, errors and wrapping."""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import math
import pathlib
import re
import uuid
import zoneinfo
from typing import Any

import pytest

from schemashift import migrations, models
from schemashift.exceptions import SerializationError
from schemashift.migrations.serializer import layout, quote, serialize, serialize_node
from schemashift.utils import timezone


class Color(enum.Enum):
    RED = "r"
    GREEN = "g"


class Permission(enum.Flag):
    READ = 1
    WRITE = 2


class Point:
    """A deconstructible value living at module level."""

    def __init__(self, x: int, y: int = 0) -> None:
        self.x, self.y = x, y

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return f"{__name__}.Point", [self.x], {"y": self.y}


def module_function() -> None:
    """Referenced by name."""


class Holder:
    @classmethod
    def build(cls) -> None:
        """A classmethod is referenced through its class."""

    def method(self) -> None:
        """Not serializable once bound."""


def roundtrip(value: Any) -> Any:
    """Evaluate the serialized source with its imports, as a migration file would."""
    source, imports = serialize(value)
    namespace: dict[str, Any] = {}
    for line in sorted(imports):
        exec(line, namespace)
    return eval(source, namespace)


@pytest.mark.parametrize(
    ("value", "source"),
    [
        (None, "None"),
        (True, "True"),
        (42, "42"),
        (-7, "-7"),
        (1.5, "1.5"),
        (1e20, "1e20"),
        (float("inf"), 'float("inf")'),
        (float("-inf"), 'float("-inf")'),
        (complex(1, 2), "complex(1.0, 2.0)"),
        ("text", '"text"'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("tab\tnew\nline\\", '"tab\\tnew\\nline\\\\"'),
        (b"bytes", 'b"bytes"'),
        ([], "[]"),
        ((), "()"),
        ({}, "{}"),
        (set(), "set()"),
        (frozenset(), "frozenset()"),
        ([1, "a"], '[1, "a"]'),
        ((1,), "(1,)"),
        ((1, 2), "(1, 2)"),
        ({"b": 1, "a": [2]}, '{"b": 1, "a": [2]}'),
        ({3, 1, 2}, "{1, 2, 3}"),
        (frozenset({"b", "a"}), 'frozenset({"a", "b"})'),
        (int, "int"),
        (type(None), "type(None)"),
        (len, "len"),
    ],
)
def test_literals(value: Any, source: str) -> None:
    assert serialize(value) == (source, set())
    assert roundtrip(value) == value


def test_nan_round_trips() -> None:
    assert math.isnan(roundtrip(float("nan")))


def test_quote_prefers_double_quotes_unless_more_escapes() -> None:
    assert quote("plain") == '"plain"'
    assert quote("""both ' and " and '""") == """"both ' and \\" and '\""""
    assert quote("""more " than ' and "!""") == """'more " than \\' and "!'"""
    for text in ["a'b\"c", "\\'", '"\'"', "\x00é€"]:
        assert eval(quote(text)) == text


def test_aware_datetime_is_written_in_utc() -> None:
    paris = datetime.datetime(2024, 3, 1, 13, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    assert serialize(paris) == (
        "datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.timezone.utc)",
        {"import datetime"},
    )
    assert roundtrip(paris) == paris


def test_naive_datetime_stays_naive() -> None:
    value = datetime.datetime(2024, 1, 2, 3, 4, 5, 6)
    assert serialize(value) == ("datetime.datetime(2024, 1, 2, 3, 4, 5, 6)", {"import datetime"})
    assert roundtrip(value) == value


@pytest.mark.parametrize(
    ("value", "source"),
    [
        (datetime.date(2024, 2, 29), "datetime.date(2024, 2, 29)"),
        (datetime.time(9, 0), "datetime.time(9, 0)"),
        (datetime.time(9, 0, 5), "datetime.time(9, 0, 5)"),
        (
            datetime.time(9, 0, tzinfo=datetime.UTC),
            "datetime.time(9, 0, tzinfo=datetime.timezone.utc)",
        ),
        (
            datetime.time(9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
            "datetime.time(9, 0, tzinfo=datetime.timezone(datetime.timedelta(seconds=7200)))",
        ),
        (datetime.timedelta(0), "datetime.timedelta(0)"),
        (
            datetime.timedelta(days=-1, microseconds=3),
            "datetime.timedelta(days=-1, microseconds=3)",
        ),
    ],
)
def test_dates_and_times(value: Any, source: str) -> None:
    assert serialize(value) == (source, {"import datetime"})
    assert roundtrip(value) == value


def test_time_with_a_zoneinfo_imports_zoneinfo() -> None:
    value = datetime.time(9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    source, imports = serialize(value)
    assert source == 'datetime.time(9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))'
    assert imports == {"import datetime", "import zoneinfo"}


def test_decimal_uuid_and_paths() -> None:
    assert serialize(decimal.Decimal("1.50")) == (
        'Decimal("1.50")',
        {"from decimal import Decimal"},
    )
    assert roundtrip(decimal.Decimal("1.50")).as_tuple() == decimal.Decimal("1.50").as_tuple()
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert serialize(value) == (
        'uuid.UUID("12345678-1234-5678-1234-567812345678")',
        {"import uuid"},
    )
    assert serialize(pathlib.Path("/srv/media")) == (
        'pathlib.PurePosixPath("/srv/media")',
        {"import pathlib"},
    )
    assert roundtrip(pathlib.PurePosixPath("/srv")) == pathlib.PurePosixPath("/srv")


def test_enums_and_flags() -> None:
    assert serialize(Color.RED) == (f'{__name__}.Color["RED"]', {f"import {__name__}"})
    source, _ = serialize(Permission.READ | Permission.WRITE)
    assert source == f'{__name__}.Permission["READ"] | {__name__}.Permission["WRITE"]'
    assert serialize(Permission(0))[0] == f"{__name__}.Permission(0)"


def test_regex_keeps_explicit_flags_only() -> None:
    assert serialize(re.compile(r"^\d+$")) == ('re.compile("^\\\\d+$")', {"import re"})
    value = re.compile("a", re.IGNORECASE)
    assert serialize(value)[0] == 're.compile("a", re.RegexFlag["IGNORECASE"])'
    assert roundtrip(value) == value


def test_functions_and_classes_are_referenced_by_module_path() -> None:
    assert serialize(module_function) == (f"{__name__}.module_function", {f"import {__name__}"})
    assert serialize(Holder.build) == (f"{__name__}.Holder.build", {f"import {__name__}"})
    assert serialize(timezone.now) == (
        "schemashift.utils.timezone.now",
        {"import schemashift.utils.timezone"},
    )
    assert serialize(datetime.datetime.now) == ("datetime.datetime.now", {"import datetime"})
    assert serialize(uuid.uuid4) == ("uuid.uuid4", {"import uuid"})
    assert serialize(Point) == (f"{__name__}.Point", {f"import {__name__}"})


def test_schemashift_models_names_use_the_models_alias() -> None:
    assert serialize(models.CASCADE) == ("models.CASCADE", {"from schemashift import models"})
    assert serialize(models.SET_NULL) == ("models.SET_NULL", {"from schemashift import models"})
    assert serialize(models.Model) == ("models.Model", {"from schemashift import models"})


def test_partial() -> None:
    value = functools.partial(module_function, 1, key="k")
    assert serialize(value) == (
        f'functools.partial({__name__}.module_function, 1, key="k")',
        {"import functools", f"import {__name__}"},
    )


def test_fields_indexes_and_deconstructible_objects() -> None:
    field = models.ForeignKey("polls.question", on_delete=models.CASCADE)
    assert serialize(field) == (
        'models.ForeignKey(on_delete=models.CASCADE, to="polls.question")',
        {"from schemashift import models"},
    )
    assert serialize(models.CharField(max_length=200, default=Point(1))) == (
        f"models.CharField(default={__name__}.Point(1, y=0), max_length=200)",
        {"from schemashift import models", f"import {__name__}"},
    )
    assert serialize(models.Index(fields=["a", "-b"], name="idx")) == (
        'models.Index(fields=["a", "-b"], name="idx")',
        {"from schemashift import models"},
    )


def test_operations_use_the_migrations_alias() -> None:
    source, imports = serialize(migrations.DeleteModel("Question"))
    assert source == 'migrations.DeleteModel(name="Question")'
    assert imports == {"from schemashift import migrations"}


def test_sets_are_sorted_so_output_is_deterministic() -> None:
    values = [{("b", "a"), ("a", "c")}, {("a", "c"), ("b", "a")}]
    assert serialize(values[0]) == serialize(values[1]) == ('{("a", "c"), ("b", "a")}', set())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            lambda: 0,
            "Cannot serialize function <lambda>: lambdas cannot be written into a migration "
            "file; use a module-level function",
        ),
        (Holder().method, "Cannot serialize the bound method"),
        (object(), "Cannot serialize <object object at"),
    ],
)
def test_unserializable_values(value: Any, message: str) -> None:
    with pytest.raises(SerializationError) as raised:
        serialize(value)
    assert message in str(raised.value)


def test_local_function_and_class_are_refused() -> None:
    def helper() -> None:
        pass

    class Local:
        pass

    with pytest.raises(SerializationError, match=r"function .*helper: it is defined inside"):
        serialize(helper)
    with pytest.raises(SerializationError, match=r"class .*Local: it is defined inside"):
        serialize([Local])


def test_values_nested_in_fields_are_checked() -> None:
    with pytest.raises(SerializationError, match="<lambda>"):
        serialize(models.IntegerField(default=lambda: 1))


def test_self_containing_list_is_refused() -> None:
    value: list[Any] = []
    value.append(value)
    with pytest.raises(SerializationError, match="contains itself"):
        serialize(value)


def test_layout_keeps_short_values_on_one_line() -> None:
    node, _ = serialize_node(["a", "b"])
    assert layout(node) == '["a", "b"]'


def test_layout_splits_collections_one_item_per_line() -> None:
    node, _ = serialize_node(["x" * 40, "y" * 40, "z"])
    assert layout(node) == f'[\n    "{"x" * 40}",\n    "{"y" * 40}",\n    "z",\n]'


def test_layout_hugs_call_arguments_that_fit_on_one_line() -> None:
    field = models.CharField(max_length=200, help_text="h" * 10, verbose_name="v" * 10)
    node, _ = serialize_node(field)
    assert layout(node, indent=4, used=40) == (
        "models.CharField(\n"
        f'        help_text="{"h" * 10}", max_length=200, verbose_name="{"v" * 10}"\n'
        "    )"
    )


def test_layout_of_a_single_long_item_has_no_trailing_comma() -> None:
    node, _ = serialize_node(["x" * 100])
    assert layout(node) == f'[\n    "{"x" * 100}"\n]'
    node, _ = serialize_node(("x" * 100,))
    assert layout(node) == f'(\n    "{"x" * 100}",\n)'
