"""Translation functions without catalogues: the message back, lazily where asked, and
written into migrations as plain strings."""

from __future__ import annotations

import copy
import pickle

from schemashift import models
from schemashift.migrations.serializer import serialize
from schemashift.utils import translation
from schemashift.utils.functional import Promise
from schemashift.utils.translation import gettext_lazy as _


def test_eager_functions_return_the_message() -> None:
    assert translation.gettext("Name") == "Name"
    assert translation.gettext_noop("Name") == "Name"
    assert translation.pgettext("month", "May") == "May"
    assert translation.ngettext("%d apple", "%d apples", 1) % 1 == "1 apple"
    assert translation.ngettext("%d apple", "%d apples", 3) % 3 == "3 apples"
    assert translation.npgettext("fruit", "apple", "apples", 2) == "apples"


def test_lazy_functions_return_promises_that_act_as_text() -> None:
    label = _("name")

    assert isinstance(label, Promise)
    assert not isinstance(label, str)
    assert str(label) == "name"
    assert label == "name"
    assert "name" in [label]  # str == Promise falls back to the Promise
    assert label + "s" == "names" and "the " + label == "the name"
    assert f"{label:>6}" == "  name"
    assert label.upper() == "NAME"
    assert hash(label) == hash("name")
    assert translation.pgettext_lazy("person", "name") == "name"
    assert translation.ngettext_lazy("one", "many", 2) == "many"


def test_lazy_plural_picks_its_form_from_the_named_argument() -> None:
    message = translation.ngettext_lazy("%(n)d item", "%(n)d items", "n")

    assert message % {"n": 1} == "1 item"
    assert message % {"n": 5} == "5 items"


def test_lazy_text_survives_copy_and_pickle() -> None:
    label = _("name")

    assert copy.deepcopy(label) == "name"
    assert pickle.loads(pickle.dumps(label)) == "name"


def test_lazy_text_is_written_into_migrations_as_a_plain_string() -> None:
    field = models.CharField(_("title"), max_length=10, help_text=_("The title"))
    field.set_attributes_from_name("title")
    text, imports = serialize(field)

    assert text == 'models.CharField(help_text="The title", max_length=10, verbose_name="title")'
    assert imports == {"from schemashift import models"}
    assert serialize([_("a"), (1, translation.pgettext_lazy("c", "b"))])[0] == '["a", (1, "b")]'


def test_active_language_follows_activate_and_override() -> None:
    assert translation.get_language() == "en-us"
    with translation.override("fr"):
        assert translation.get_language() == "fr"
    assert translation.get_language() == "en-us"
