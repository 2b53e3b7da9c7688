"""Field options, what ``deconstruct`` writes, defaults, and how relations name their target."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from schemashift import models
from schemashift.models.fields import NOT_PROVIDED

pytestmark = pytest.mark.usefixtures("clean_registry")


def kwargs_of(field: models.Field) -> dict[str, Any]:
    return field.deconstruct()[3]


def bound(field: models.Field, name: str) -> models.Field:
    field.set_attributes_from_name(name)
    return field


# -- deconstruct ----------------------------------------------------------------------------


def test_deconstruct_gives_name_import_path_and_only_the_options_given() -> None:
    field = bound(models.CharField(max_length=200), "question_text")

    assert field.deconstruct() == (
        "question_text",
        "schemashift.models.CharField",
        [],
        {"max_length": 200},
    )


def test_deconstruct_of_an_unbound_field_has_no_name() -> None:
    assert models.IntegerField().deconstruct() == (None, "schemashift.models.IntegerField", [], {})


def test_options_given_at_their_default_value_are_not_written() -> None:
    field = models.CharField(
        max_length=10,
        null=False,
        blank=False,
        unique=False,
        db_index=False,
        primary_key=False,
        editable=True,
        help_text="",
        db_column=None,
        choices=None,
    )

    assert kwargs_of(field) == {"max_length": 10}


def test_every_option_that_differs_is_written() -> None:
    field = models.CharField(
        "Title",
        max_length=10,
        null=True,
        blank=True,
        unique=True,
        db_index=True,
        default="x",
        editable=False,
        help_text="Shown on the cover",
        db_column="headline",
        db_comment="As printed",
        choices=(("a", "A"), ("b", "B")),
    )

    assert kwargs_of(field) == {
        "verbose_name": "Title",
        "max_length": 10,
        "null": True,
        "blank": True,
        "unique": True,
        "db_index": True,
        "default": "x",
        "editable": False,
        "help_text": "Shown on the cover",
        "db_column": "headline",
        "db_comment": "As printed",
        "choices": [("a", "A"), ("b", "B")],
    }


@pytest.mark.parametrize("default", [None, 0, "", False])
def test_a_falsy_default_is_still_a_default(default: Any) -> None:
    field = models.IntegerField(default=default, null=True)

    assert field.has_default()
    assert kwargs_of(field)["default"] == default
    assert type(kwargs_of(field)["default"]) is type(default)


def test_a_value_of_another_type_than_the_default_is_written() -> None:
    # 0 == False, but db_index=0 is not what the user meant by leaving the option out
    assert kwargs_of(models.IntegerField(db_index=0)) == {"db_index": 0}


def test_verbose_name_positional_or_keyword_is_written_as_a_keyword() -> None:
    assert kwargs_of(models.DateTimeField("date published")) == {"verbose_name": "date published"}
    assert kwargs_of(models.DateTimeField(verbose_name="date published")) == {
        "verbose_name": "date published"
    }


def test_verbose_name_derived_from_the_name_is_not_written() -> None:
    field = bound(models.DateTimeField(), "pub_date")

    assert field.verbose_name == "pub date"
    assert kwargs_of(field) == {}


def test_unknown_keyword_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"CharField\(\) got unexpected keyword argument\(s\): nul"):
        models.CharField(max_length=10, nul=True)


def test_keywords_of_other_field_classes_are_unknown() -> None:
    with pytest.raises(TypeError, match="max_digits"):
        models.IntegerField(max_digits=5)
    with pytest.raises(TypeError, match="auto_now"):
        models.CharField(max_length=5, auto_now=True)


# -- clone ----------------------------------------------------------------------------------


def test_clone_is_unbound_and_deconstructs_alike() -> None:
    field = bound(models.CharField("Title", max_length=10, null=True, default="x"), "title")

    copied = field.clone()

    assert type(copied) is models.CharField
    assert copied is not field
    assert copied.name is None and copied.column is None and copied.model is None
    assert copied.deconstruct()[1:] == field.deconstruct()[1:]


def test_clone_does_not_share_the_given_options() -> None:
    field = models.IntegerField(default=1)
    copied = field.clone()

    copied._given.pop("default")
    copied.default = NOT_PROVIDED

    assert field.has_default() and kwargs_of(field) == {"default": 1}


@pytest.mark.parametrize(
    "field",
    [
        models.DecimalField(max_digits=5, decimal_places=2),
        models.SlugField(db_index=False),
        models.DateTimeField(auto_now_add=True),
        models.DateField(auto_now=True, blank=False, editable=True),
        models.OneToOneField("library.author", on_delete=models.PROTECT, related_name="+"),
        models.ForeignKey("library.author", on_delete=models.SET_NULL, null=True, db_index=False),
        models.BigAutoField(primary_key=True, auto_created=True, verbose_name="ID"),
    ],
    ids=repr,
)
def test_clone_keeps_every_option(field: models.Field) -> None:
    copied = field.clone()

    assert copied.deconstruct() == field.deconstruct()
    for option in type(field).options:
        assert getattr(copied, option) == getattr(field, option), option


# -- defaults -------------------------------------------------------------------------------


def test_get_default_returns_the_value() -> None:
    assert models.IntegerField(default=3).get_default() == 3


def test_get_default_calls_a_callable_every_time() -> None:
    field = models.JSONField(default=list)

    first, second = field.get_default(), field.get_default()

    assert first == [] and second == []
    assert first is not second
    assert kwargs_of(field) == {"default": list}


def test_get_default_calls_a_function() -> None:
    day = datetime.date(2024, 5, 1)
    assert models.DateField(default=lambda: day).get_default() == day


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.CharField(max_length=5), ""),
        (models.TextField(), ""),
        (models.CharField(max_length=5, null=True), None),
        (models.IntegerField(), None),
        (models.BooleanField(), None),
        (models.DateTimeField(), None),
    ],
    ids=repr,
)
def test_get_default_without_a_default(field: models.Field, expected: Any) -> None:
    assert not field.has_default()
    assert field.get_default() == expected
    assert type(field.get_default()) is type(expected)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (models.CharField(max_length=5, blank=True), True),
        (models.TextField(blank=True), True),
        (models.CharField(max_length=5), False),
        (models.CharField(max_length=5, blank=True, null=True), False),
        (models.IntegerField(blank=True), False),
        (models.DateField(auto_now=True), False),
    ],
    ids=repr,
)
def test_is_blank_text(field: models.Field, expected: bool) -> None:
    assert field.is_blank_text is expected


# -- field classes with their own defaults ---------------------------------------------------


@pytest.mark.parametrize(
    ("field_class", "max_length"),
    [(models.SlugField, 50), (models.URLField, 200)],
)
def test_text_fields_with_a_default_max_length(
    field_class: type[models.Field], max_length: int
) -> None:
    field = field_class()

    assert field.max_length == max_length
    assert kwargs_of(field) == {}
    assert kwargs_of(field_class(max_length=max_length)) == {}
    assert kwargs_of(field_class(max_length=max_length + 1)) == {"max_length": max_length + 1}


def test_email_field_always_writes_its_max_length() -> None:
    assert models.EmailField().max_length == 254
    assert kwargs_of(models.EmailField()) == {"max_length": 254}
    assert kwargs_of(models.EmailField(max_length=100)) == {"max_length": 100}


def test_slug_field_is_indexed_unless_told_otherwise() -> None:
    assert models.SlugField().db_index is True
    assert kwargs_of(models.SlugField(db_index=True)) == {}
    assert kwargs_of(models.SlugField(db_index=False)) == {"db_index": False}


def test_auto_field_is_blank_by_default() -> None:
    field = models.BigAutoField(primary_key=True)

    assert field.blank is True
    # every primary key says serialize=False, as Django's migrations write it
    assert kwargs_of(field) == {"primary_key": True, "serialize": False}


def test_binary_field_is_not_editable_by_default() -> None:
    assert models.BinaryField().editable is False
    assert kwargs_of(models.BinaryField()) == {}
    assert kwargs_of(models.BinaryField(editable=True)) == {"editable": True}


@pytest.mark.parametrize("option", ["auto_now", "auto_now_add"])
@pytest.mark.parametrize("field_class", [models.DateField, models.DateTimeField, models.TimeField])
def test_auto_now_implies_not_editable_and_blank(
    field_class: type[models.Field], option: str
) -> None:
    field = field_class(**{option: True})

    assert field.editable is False
    assert field.blank is True
    assert kwargs_of(field) == {option: True}


def test_auto_now_with_blank_and_editable_written_out_deconstructs_alike() -> None:
    field = models.DateTimeField(auto_now=True, editable=False, blank=True)

    assert kwargs_of(field) == {"auto_now": True}


def test_date_field_without_auto_now_writes_blank_and_editable() -> None:
    assert kwargs_of(models.DateField(blank=True, editable=False)) == {
        "blank": True,
        "editable": False,
    }


# -- relations ------------------------------------------------------------------------------


def test_one_to_one_field_is_always_unique_and_does_not_write_it() -> None:
    field = models.OneToOneField("library.author", on_delete=models.CASCADE)

    assert field.unique is True
    assert "unique" not in kwargs_of(field)
    assert models.OneToOneField("library.author", models.CASCADE, unique=False).unique is True


def test_foreign_key_deconstruct_writes_target_and_on_delete() -> None:
    field = models.ForeignKey("library.author", on_delete=models.PROTECT)

    assert kwargs_of(field) == {"on_delete": models.PROTECT, "to": "library.author"}
    assert field.db_index is True


def test_foreign_key_options() -> None:
    field = models.ForeignKey(
        "library.author",
        models.CASCADE,
        related_name="books",
        db_index=False,
        db_constraint=False,
        to_field="code",
    )

    assert kwargs_of(field) == {
        "on_delete": models.CASCADE,
        "to": "library.author",
        "related_name": "books",
        "db_index": False,
        "db_constraint": False,
        "to_field": "code",
    }


def test_relation_attname_and_column_end_in_id() -> None:
    field = bound(models.ForeignKey("library.author", on_delete=models.CASCADE), "author")

    assert (field.name, field.attname, field.column) == ("author", "author_id", "author_id")


def test_db_column_names_the_column_only() -> None:
    relation = bound(
        models.ForeignKey("library.author", on_delete=models.CASCADE, db_column="writer"),
        "author",
    )
    title = bound(models.CharField(max_length=5, db_column="headline"), "title")

    assert (relation.attname, relation.column) == ("author_id", "writer")
    assert (title.attname, title.column) == ("title", "headline")


def test_relation_to_a_model_class_names_its_lower_case_label() -> None:
    class Author(models.Model):
        class Meta:
            app_label = "library"

    field = models.ForeignKey(Author, on_delete=models.CASCADE)

    assert field.to == "library.author"
    assert field.remote_model is Author
    assert kwargs_of(field)["to"] == "library.author"


def test_to_field_naming_the_targets_primary_key_is_not_written_as_django() -> None:
    class Author(models.Model):
        code = models.CharField(max_length=8, unique=True)

        class Meta:
            app_label = "library"

    class Book(models.Model):
        by_pk = models.ForeignKey("Author", models.CASCADE, to_field="id", related_name="+")
        by_class = models.ForeignKey(Author, models.CASCADE, to_field="id", related_name="+")
        by_code = models.ForeignKey(Author, models.CASCADE, to_field="code", related_name="+")

        class Meta:
            app_label = "library"

    assert "to_field" not in kwargs_of(Book._meta.get_field("by_pk"))
    assert "to_field" not in kwargs_of(Book._meta.get_field("by_class"))
    assert kwargs_of(Book._meta.get_field("by_code"))["to_field"] == "code"


def test_relation_to_something_else_than_a_model_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="model class or a string"):
        models.ForeignKey(object(), on_delete=models.CASCADE)


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("self", "library.book"),
        ("Author", "library.author"),
        ("library.Author", "library.author"),
        ("accounts.User", "accounts.user"),
        ("accounts.user", "accounts.user"),
    ],
)
def test_relation_target_is_normalised_once_bound_to_a_model(to: str, expected: str) -> None:
    class Book(models.Model):
        other = models.ForeignKey(to, on_delete=models.CASCADE)

        class Meta:
            app_label = "library"

    field = Book._meta.get_field("other")

    assert field.to == expected
    assert kwargs_of(field)["to"] == expected
    assert field.related_model_key == tuple(expected.split("."))


def test_unbound_relation_keeps_the_target_as_written() -> None:
    assert models.ForeignKey("Author", on_delete=models.CASCADE).to == "Author"
