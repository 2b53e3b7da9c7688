"""System checks on model classes: each check id, the report, and when it stops a command."""

from __future__ import annotations

from typing import Any

import pytest

from schemashift import models
from schemashift.check_messages import CheckMessage, Error, Warning
from schemashift.checks.model_checks import check_models, format_report, run_checks
from schemashift.exceptions import SystemCheckError
from schemashift.models import Index

pytestmark = pytest.mark.usefixtures("clean_registry")


def model(name: str = "Choice", meta: dict[str, Any] | None = None, **fields: Any) -> type:
    """A model class of the app ``polls``."""
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "Meta": type("Meta", (), {"app_label": "polls", **(meta or {})}),
        **fields,
    }
    return type(name, (models.Model,), attrs)


def question() -> type:
    return model("Question", pub_date=models.DateTimeField())


def report_lines(*model_classes: type) -> list[str]:
    return [str(message) for message in check_models(model_classes)]


def ids(*model_classes: type) -> list[str]:
    return [message.id for message in check_models(model_classes)]


# -- field checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "field", "line"),
    [
        (
            "votes_",
            models.IntegerField(),
            "(fields.E001) Field names must not end with an underscore.",
        ),
        ("vote__count", models.IntegerField(), '(fields.E002) Field names must not contain "__".'),
        (
            "pk",
            models.IntegerField(),
            "(fields.E003) 'pk' is a reserved word that cannot be used as a field name.",
        ),
        (
            "maybe",
            models.NullBooleanField(),
            "(fields.E903) NullBooleanField is removed except for support in historical "
            "migrations.\n\tHINT: Use BooleanField(null=True, blank=True) instead.",
        ),
        (
            "address",
            models.IPAddressField(),
            "(fields.E900) IPAddressField has been removed except for support in historical "
            "migrations.\n\tHINT: Use GenericIPAddressField instead.",
        ),
        (
            "numbers",
            models.CommaSeparatedIntegerField(max_length=10),
            "(fields.E901) CommaSeparatedIntegerField is removed except for support in "
            "historical migrations.\n\tHINT: Use "
            "CharField(validators=[validate_comma_separated_integer_list]) instead.",
        ),
        (
            "path",
            models.FilePathField(allow_files=False),
            "(fields.E140) FilePathFields must have either 'allow_files' or 'allow_folders' set "
            "to True.",
        ),
        (
            "address",
            models.GenericIPAddressField(blank=True),
            "(fields.E150) GenericIPAddressFields cannot have blank=True if null=False, as blank "
            "values are stored as nulls.",
        ),
        (
            "upload",
            models.FileField(primary_key=False),
            "(fields.E201) 'primary_key' is not a valid argument for a FileField.",
        ),
        (
            "upload",
            models.ImageField(upload_to="/abs"),
            "(fields.E202) ImageField's 'upload_to' argument must be a relative path, not an "
            "absolute path.\n\tHINT: Remove the leading slash.",
        ),
        (
            "kind",
            models.CharField(max_length=1, choices="ab"),
            "(fields.E004) 'choices' must be a mapping (e.g. a dictionary) or an iterable (e.g. "
            "a list or tuple).",
        ),
        (
            "kind",
            models.CharField(max_length=2, choices={"abc": "A", "G": {"d": "D"}}),
            "(fields.E009) 'max_length' is too small to fit the longest value in 'choices' "
            "(3 characters).",
        ),
        (
            "kind",
            models.CharField(max_length=1, choices=["a", "b"]),
            "(fields.E005) 'choices' must be a mapping of actual values to human readable names "
            "or an iterable containing (actual value, human readable name) tuples.",
        ),
        (
            "kind",
            models.CharField(max_length=1, choices=[("Group", [("a", "A", "extra")])]),
            "(fields.E005) 'choices' must be a mapping of actual values to human readable names "
            "or an iterable containing (actual value, human readable name) tuples.",
        ),
        (
            "code",
            models.CharField(max_length=3, primary_key=True, null=True),
            "(fields.E007) Primary keys must not have null=True.",
        ),
        ("number", models.AutoField(), "(fields.E100) AutoFields must set primary_key=True."),
        (
            "votes",
            models.CharField(),
            "(fields.E120) CharFields must define a 'max_length' attribute.",
        ),
        (
            "email",
            models.EmailField(max_length=None),
            "(fields.E120) EmailFields must define a 'max_length' attribute.",
        ),
        (
            "price",
            models.DecimalField(max_digits=5),
            "(fields.E130) DecimalFields must define a 'decimal_places' attribute.",
        ),
        (
            "price",
            models.DecimalField(max_digits=5, decimal_places=-1),
            "(fields.E131) 'decimal_places' must be a non-negative integer.",
        ),
        (
            "price",
            models.DecimalField(decimal_places=2),
            "(fields.E132) DecimalFields must define a 'max_digits' attribute.",
        ),
        (
            "price",
            models.DecimalField(max_digits=0, decimal_places=0),
            "(fields.E133) 'max_digits' must be a positive integer.",
        ),
        (
            "price",
            models.DecimalField(max_digits=2, decimal_places=3),
            "(fields.E134) 'max_digits' must be greater or equal to 'decimal_places'.",
        ),
        (
            "stamp",
            models.DateTimeField(auto_now=True, auto_now_add=True),
            "(fields.E160) The options auto_now, auto_now_add, and default are mutually "
            "exclusive. Only one of these options may be present.",
        ),
        (
            "stamp",
            models.DateField(auto_now_add=True, default=None),
            "(fields.E160) The options auto_now, auto_now_add, and default are mutually "
            "exclusive. Only one of these options may be present.",
        ),
        (
            "question",
            models.ForeignKey(on_delete=models.CASCADE),
            "(fields.E300) ForeignKey requires a target model as its first argument.",
        ),
        (
            "question",
            models.ForeignKey("polls.Poll", on_delete=models.CASCADE),
            "(fields.E300) Field defines a relation with model 'polls.poll', which is either not "
            "installed, or is abstract.",
        ),
        (
            "question",
            models.OneToOneField("polls.question"),
            "(fields.E320) OneToOneField must set on_delete "
            "(for example on_delete=models.CASCADE).",
        ),
        (
            "question",
            models.ForeignKey("polls.question", on_delete=models.SET_NULL),
            "(fields.E320) Field specifies on_delete=SET_NULL, but cannot be null.",
        ),
        (
            "question",
            models.ForeignKey("polls.question", on_delete=print),
            "(fields.E321) on_delete must be one of models.CASCADE, PROTECT, RESTRICT, SET_NULL, "
            "SET_DEFAULT, SET(...) or DO_NOTHING.",
        ),
        (
            "question",
            models.ForeignKey("polls.question", on_delete=models.SET_DEFAULT),
            "(fields.E321) Field specifies on_delete=SET_DEFAULT, but has no default value.",
        ),
    ],
    ids=lambda value: value[1 : value.find(")")] if str(value).startswith("(") else None,
)
def test_field_check(name: str, field: models.Field, line: str) -> None:
    assert report_lines(question(), model(**{name: field})) == [f"polls.Choice.{name}: {line}"]


@pytest.mark.parametrize(
    "field",
    [
        models.CharField(max_length=0),
        models.CharField(max_length=-5),
        models.CharField(max_length="200"),
        models.CharField(max_length=True),
        models.SlugField(max_length=1.5),
    ],
    ids=lambda field: repr(field.max_length),
)
def test_max_length_must_be_a_positive_integer(field: models.Field) -> None:
    assert report_lines(model(votes=field)) == [
        "polls.Choice.votes: (fields.E121) 'max_length' must be a positive integer."
    ]


@pytest.mark.parametrize(
    "field",
    [
        models.CharField(max_length=1, choices=[("a", "A"), ("b", "B")]),
        models.CharField(max_length=1, choices=(("a", "A"),)),
        models.CharField(max_length=1, choices=[("Group", [("a", "A"), ("b", "B")]), ("c", "C")]),
        models.DecimalField(max_digits=5, decimal_places=0),
        models.DecimalField(max_digits=3, decimal_places=3),
        models.DateTimeField(auto_now=True),
        models.DateTimeField(default=None),
        models.AutoField(primary_key=True),
        models.ForeignKey("polls.question", on_delete=models.SET_NULL, null=True),
        models.ForeignKey("polls.question", on_delete=models.SET_DEFAULT, default=1),
        models.ForeignKey("Question", on_delete=models.PROTECT),
        models.OneToOneField("self", on_delete=models.DO_NOTHING),
    ],
    ids=repr,
)
def test_valid_fields_pass(field: models.Field) -> None:
    assert check_models([question(), model(value=field)]) == []


# -- model checks ---------------------------------------------------------------------------


def test_two_fields_on_one_column() -> None:
    choice = model(
        question=models.ForeignKey("polls.question", on_delete=models.CASCADE),
        question_id=models.IntegerField(),
        text=models.TextField(db_column="body"),
        body=models.TextField(),
    )

    assert report_lines(question(), choice) == [
        "polls.Choice: (models.E007) Field 'question_id' has column name 'question_id' that is "
        "used by another field ('question').\n\tHINT: Specify a 'db_column' for the field.",
        "polls.Choice: (models.E007) Field 'body' has column name 'body' that is used by another "
        "field ('text').\n\tHINT: Specify a 'db_column' for the field.",
    ]


@pytest.mark.parametrize(
    ("meta", "missing"),
    [
        ({"unique_together": ["question", "rank"]}, "rank"),
        ({"unique_together": [("question", "text"), ("text", "pk")]}, "pk"),
        ({"indexes": [Index(fields=["-rank"], name="rank_idx")]}, "rank"),
        ({"indexes": [Index(fields=["text", "pk"], name="text_pk_idx")]}, "pk"),
    ],
    ids=["unique_together", "unique_together pk", "indexes", "indexes pk"],
)
def test_options_naming_a_missing_field(meta: dict[str, Any], missing: str) -> None:
    option = next(iter(meta))
    choice = model(
        meta=meta,
        question=models.ForeignKey("polls.question", on_delete=models.CASCADE),
        text=models.TextField(),
    )

    assert report_lines(question(), choice) == [
        f"polls.Choice: (models.E012) '{option}' refers to the nonexistent field '{missing}'."
    ]


def test_ordering_naming_a_missing_field() -> None:
    choice = model(meta={"ordering": ["-rank", "text"]}, text=models.TextField())

    assert report_lines(choice) == [
        "polls.Choice: (models.E015) 'ordering' refers to the nonexistent field, related field, "
        "or lookup 'rank'."
    ]


def test_ordering_with_order_with_respect_to() -> None:
    answer = model(
        "Answer",
        meta={"ordering": ["id"], "order_with_respect_to": "question"},
        question=models.ForeignKey("polls.question", on_delete=models.CASCADE),
    )

    assert report_lines(question(), answer) == [
        "polls.Answer: (models.E021) 'ordering' and 'order_with_respect_to' cannot be used "
        "together."
    ]


def test_ordering_may_name_a_parents_field() -> None:
    place = model("Place", title=models.CharField(max_length=20))
    restaurant = type(
        "Restaurant",
        (place,),
        {
            "__module__": __name__,
            "Meta": type("Meta", (), {"app_label": "polls", "ordering": ["title"]}),
        },
    )

    assert report_lines(place, restaurant) == []


def test_options_naming_existing_fields_pass() -> None:
    choice = model(
        meta={
            "unique_together": [("question", "text"), ("question_id", "id")],
            "indexes": [Index(fields=["-text", "question"], name="t_idx")],
            "ordering": ["-text", "?", "pk", "question__pub_date", "question_id"],
        },
        question=models.ForeignKey("polls.question", on_delete=models.CASCADE),
        text=models.TextField(),
    )

    assert check_models([question(), choice]) == []


def test_messages_come_model_by_model_in_label_order() -> None:
    zebra = model("Zebra", a_=models.IntegerField(), b=models.CharField())
    apple = model("Apple", meta={"ordering": ["missing"]}, c=models.CharField())

    assert [(str(m).partition(":")[0], m.id) for m in check_models([zebra, apple])] == [
        ("polls.Apple.c", "fields.E120"),
        ("polls.Apple", "models.E015"),
        ("polls.Zebra.a_", "fields.E001"),
        ("polls.Zebra.b", "fields.E120"),
    ]


# -- the report and run_checks --------------------------------------------------------------


def test_report_without_issues() -> None:
    assert format_report([]) == "System check identified no issues (0 silenced)."


def test_report_with_one_issue() -> None:
    choice = model(votes=models.CharField())

    assert format_report(check_models([choice])) == (
        "ERRORS:\n"
        "polls.Choice.votes: (fields.E120) CharFields must define a 'max_length' attribute.\n"
        "\n"
        "System check identified 1 issue (0 silenced)."
    )


def test_report_lists_errors_before_warnings() -> None:
    messages = [
        Warning("Looks odd.", id="app.W001"),
        Error("Broken.", id="app.E001", hint="Fix it."),
        Error("Also broken.", id="app.E002"),
    ]

    assert format_report(messages) == (
        "ERRORS:\n"
        "(app.E001) Broken.\n"
        "\tHINT: Fix it.\n"
        "(app.E002) Also broken.\n"
        "\n"
        "WARNINGS:\n"
        "(app.W001) Looks odd.\n"
        "\n"
        "System check identified 3 issues (0 silenced)."
    )


def test_run_checks_raises_with_the_report_on_errors() -> None:
    choice = model(votes=models.CharField(), stamp=models.DateField(auto_now=True, default=None))

    with pytest.raises(SystemCheckError) as excinfo:
        run_checks([choice])

    assert str(excinfo.value) == (
        "System check identified some issues:\n"
        "\n"
        "ERRORS:\n"
        "polls.Choice.votes: (fields.E120) CharFields must define a 'max_length' attribute.\n"
        "polls.Choice.stamp: (fields.E160) The options auto_now, auto_now_add, and default are "
        "mutually exclusive. Only one of these options may be present.\n"
        "\n"
        "System check identified 2 issues (0 silenced)."
    )


class OddField(models.IntegerField):
    def check(self) -> list[CheckMessage]:
        return [Warning("This field is odd.", self, "polls.W001")]


def test_run_checks_returns_warnings_without_raising() -> None:
    choice = model(odd=OddField())

    messages = run_checks([choice])

    assert [str(m) for m in messages] == ["polls.Choice.odd: (polls.W001) This field is odd."]
    assert not messages[0].is_error


def test_run_checks_returns_nothing_for_valid_models() -> None:
    assert run_checks([question()]) == []


# -- reverse relation clashes and index names (Django's ids and wording) ---------------------


def test_two_relations_to_one_model_without_related_name_clash() -> None:
    target = question()
    letter = model(
        "Letter",
        first=models.ForeignKey(target, on_delete=models.CASCADE),
        second=models.ForeignKey(target, on_delete=models.CASCADE),
    )
    assert report_lines(target, letter) == [
        "polls.Letter.first: (fields.E304) Reverse accessor 'Question.letter_set' for "
        "'polls.Letter.first' clashes with reverse accessor for 'polls.Letter.second'.\n"
        "\tHINT: Add or change a related_name argument to the definition for "
        "'polls.Letter.first' or 'polls.Letter.second'.",
        "polls.Letter.second: (fields.E304) Reverse accessor 'Question.letter_set' for "
        "'polls.Letter.second' clashes with reverse accessor for 'polls.Letter.first'.\n"
        "\tHINT: Add or change a related_name argument to the definition for "
        "'polls.Letter.second' or 'polls.Letter.first'.",
    ]


def test_a_related_name_equal_to_a_field_of_the_target_clashes() -> None:
    target = question()
    choice = model(
        "Choice", question=models.ForeignKey(target, models.CASCADE, related_name="pub_date")
    )
    assert ids(target, choice) == ["fields.E302", "fields.E303"]


def test_a_query_name_equal_to_another_accessor_clashes() -> None:
    target = question()
    choice = model(
        "Choice",
        a=models.ForeignKey(target, models.CASCADE, related_name="picks"),
        b=models.ForeignKey(target, models.CASCADE, related_query_name="picks"),
    )
    assert ids(target, choice) == ["fields.E305"]


def test_hidden_and_distinct_related_names_do_not_clash() -> None:
    target = question()
    choice = model(
        "Choice",
        a=models.ForeignKey(target, models.CASCADE, related_name="+"),
        b=models.ForeignKey(target, models.CASCADE, related_name="+"),
        c=models.ForeignKey(target, models.CASCADE),
        d=models.ForeignKey(target, models.CASCADE, related_name="other_choices"),
    )
    assert ids(target, choice) == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        (
            "x" * 31,
            f"polls.Choice: (models.E034) The index name '{'x' * 31}' cannot be longer than 30 "
            "characters.",
        ),
        (
            "_votes",
            "polls.Choice: (models.E033) The index name '_votes' cannot start with an "
            "underscore or a number.",
        ),
        (
            "1votes",
            "polls.Choice: (models.E033) The index name '1votes' cannot start with an "
            "underscore or a number.",
        ),
    ],
)
def test_index_names_must_suit_every_backend(name: str, line: str) -> None:
    choice = model(
        "Choice",
        votes=models.IntegerField(),
        meta={"indexes": [Index(fields=["votes"], name=name)]},
    )
    assert report_lines(choice) == [line]


def test_an_index_name_of_thirty_characters_is_fine() -> None:
    choice = model(
        "Choice",
        votes=models.IntegerField(),
        meta={"indexes": [Index(fields=["votes"], name="x" * 30)]},
    )
    assert ids(choice) == []


# -- ManyToManyField ------------------------------------------------------------------------


def test_many_to_many_targets_and_through_models_must_be_installed() -> None:
    article = model(
        "Article",
        tags=models.ManyToManyField("polls.Tag"),
        editors=models.ManyToManyField(question(), through="Membership"),
    )
    assert report_lines(article, question()) == [
        "polls.Article.tags: (fields.E300) Field defines a relation with model 'polls.tag', "
        "which is either not installed, or is abstract.",
        "polls.Article.editors: (fields.E331) Field specifies a many-to-many relation through "
        "model 'Membership', which has not been installed.",
    ]


def test_many_to_many_reverse_accessors_clash_as_in_django() -> None:
    tag = model("Tag", article_set=models.IntegerField())
    article = model("Article", tags=models.ManyToManyField(tag))
    post = model("Post", tags=models.ManyToManyField(tag, related_name="posts"))
    other = model("Other", tags=models.ManyToManyField(tag, related_name="posts"))
    found = ids(tag, article, post, other)
    assert "fields.E302" in found and found.count("fields.E304") == 2
    friendly = model("Person", friends=models.ManyToManyField("self"))
    assert ids(friendly) == []


def test_unique_together_and_indexes_cannot_name_a_many_to_many_field() -> None:
    meta = {"unique_together": [("tags", "title")], "indexes": [Index(fields=["tags"], name="i")]}
    tag = model("Tag")
    article = model(
        "Article", meta, title=models.CharField(max_length=5), tags=models.ManyToManyField(tag)
    )
    assert ids(article, tag) == ["models.E013", "models.E013"]
    assert report_lines(article, tag)[0].endswith(
        "'unique_together' refers to a ManyToManyField 'tags', but ManyToManyFields are not "
        "permitted in 'unique_together'."
    )
