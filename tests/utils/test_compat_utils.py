"""The helpers of schemashift.utils that Django code imports under the same names."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from schemashift import conf
from schemashift.migrations.serializer import serialize
from schemashift.utils import encoding, text, timezone
from schemashift.utils.deconstruct import deconstructible
from schemashift.utils.functional import Promise, cached_property, classproperty, lazy
from schemashift.utils.translation import gettext_lazy


@deconstructible
class Limit:
    def __init__(self, low: int, high: int = 10) -> None:
        self.low = low
        self.high = high


@deconstructible(path="myapp.limits.Limit")
class MovedLimit:
    def __init__(self, low: int) -> None:
        self.low = low


def test_deconstructible_remembers_the_arguments_and_module() -> None:
    assert Limit(1, high=5).deconstruct() == (f"{__name__}.Limit", (1,), {"high": 5})
    assert MovedLimit(2).deconstruct() == ("myapp.limits.Limit", (2,), {})


def test_deconstructible_instances_serialize_as_a_call() -> None:
    source, imports = serialize(Limit(1, high=5))

    assert source == f"{__name__}.Limit(1, high=5)"
    assert imports == {f"import {__name__}"}


def test_lazy_computes_on_each_use() -> None:
    calls: list[int] = []

    def count() -> str:
        calls.append(1)
        return str(len(calls))

    value = lazy(count, str)()
    assert calls == []
    assert isinstance(value, Promise)
    assert str(value) == "1" and str(value) == "2"


def test_cached_property_and_classproperty() -> None:
    class Thing:
        runs = 0

        @cached_property
        def expensive(self) -> int:
            Thing.runs += 1
            return 42

        @classproperty
        def label(cls) -> str:  # noqa: N805
            return cls.__name__.lower()

    thing = Thing()
    assert (thing.expensive, thing.expensive, Thing.runs) == (42, 42, 1)
    assert Thing.label == "thing" and thing.label == "thing"


def test_slugify_and_capfirst() -> None:
    assert text.slugify(" Hello, Wörld! -- again_ ") == "hello-world-again"
    assert text.slugify("Hello Wörld", allow_unicode=True) == "hello-wörld"
    assert text.capfirst("hello world") == "Hello world"
    assert text.capfirst("") == ""
    lazy_capital = text.capfirst(gettext_lazy("name"))
    assert isinstance(lazy_capital, Promise) and lazy_capital == "Name"


def test_force_str_and_smart_str() -> None:
    assert encoding.force_str(b"caf\xc3\xa9") == "café"
    assert encoding.force_str(12) == "12"
    assert encoding.force_str(None, strings_only=True) is None
    assert encoding.force_str(gettext_lazy("x")) == "x"
    assert isinstance(encoding.smart_str(gettext_lazy("x")), Promise)
    assert encoding.force_bytes("café") == b"caf\xc3\xa9"


@pytest.fixture
def paris_settings():
    conf.configure(TIME_ZONE="Europe/Paris")
    yield
    conf.reset()


def test_timezone_defaults_to_utc_without_settings() -> None:
    conf.reset()
    assert timezone.get_default_timezone_name() == "UTC"
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("UTC")
    assert timezone.timedelta is datetime.timedelta
    assert timezone.is_aware(timezone.now())


def test_timezone_reads_time_zone_setting(paris_settings: None) -> None:
    naive = datetime.datetime(2024, 7, 1, 12, 0)
    aware = timezone.make_aware(naive)

    assert timezone.get_default_timezone_name() == "Europe/Paris"
    assert aware.utcoffset() == datetime.timedelta(hours=2)
    assert timezone.is_naive(naive) and timezone.is_aware(aware)
    assert timezone.make_naive(aware.astimezone(datetime.UTC)) == naive
    assert timezone.localtime(aware.astimezone(datetime.UTC)).hour == 12
    with pytest.raises(ValueError):
        timezone.make_aware(aware)
