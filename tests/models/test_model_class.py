"""Model classes: Meta, the primary key, abstract bases, the app they belong to, index names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from schemashift import models
from schemashift.apps import apps
from schemashift.exceptions import ImproperlyConfigured, ModelDefinitionError
from schemashift.models import Index, ObjectDoesNotExist
from schemashift.models.options import normalize_together

pytestmark = pytest.mark.usefixtures("clean_registry")


def field_names(model: type) -> list[str]:
    return [field.name for field in model._meta.local_fields]


# -- Meta -----------------------------------------------------------------------------------


def test_meta_options_are_read() -> None:
    class Question(models.Model):
        question_text = models.CharField(max_length=200)
        pub_date = models.DateTimeField()

        class Meta:
            app_label = "polls"
            db_table = "poll_questions"
            ordering = ("-pub_date",)
            verbose_name = "poll question"
            get_latest_by = "pub_date"
            managed = False
            default_related_name = "questions"

    opts = Question._meta
    assert opts.app_label == "polls"
    assert opts.db_table == "poll_questions"
    assert opts.ordering == ["-pub_date"]
    assert opts.verbose_name == "poll question"
    assert opts.verbose_name_plural == "poll questions"
    assert opts.get_latest_by == "pub_date"
    assert opts.managed is False
    assert opts.default_related_name == "questions"
    assert opts.label == "polls.Question" and opts.label_lower == "polls.question"
    assert set(opts.explicit) == {
        "app_label",
        "db_table",
        "ordering",
        "verbose_name",
        "get_latest_by",
        "managed",
        "default_related_name",
    }


def test_meta_defaults() -> None:
    class ChoiceItem(models.Model):
        class Meta:
            app_label = "polls"

    opts = ChoiceItem._meta
    assert opts.model_name == "choiceitem"
    assert opts.db_table == "polls_choiceitem"
    assert opts.verbose_name == "choice item"
    assert opts.verbose_name_plural == "choice items"
    assert (opts.ordering, opts.unique_together, opts.indexes) == ([], (), [])
    assert opts.managed is True and opts.abstract is False
    assert opts.explicit == {"app_label": "polls"}


def test_invalid_meta_attribute_names_the_model_and_the_attribute() -> None:
    with pytest.raises(ModelDefinitionError) as excinfo:

        class Question(models.Model):
            class Meta:
                app_label = "polls"
                ordring = ["id"]
                index_together = [("a", "b")]

    message = str(excinfo.value)
    assert "Question" in message
    assert "invalid attribute(s): index_together, ordring" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (("question", "choice_text"), (("question", "choice_text"),)),
        (["question", "choice_text"], (("question", "choice_text"),)),
        ([("question", "choice_text")], (("question", "choice_text"),)),
        ([["a", "b"], ("c", "d")], (("a", "b"), ("c", "d"))),
        ((), ()),
        (None, ()),
    ],
)
def test_unique_together_is_normalised_to_a_tuple_of_tuples(value: Any, expected: Any) -> None:
    assert normalize_together(value) == expected


def test_unique_together_in_meta_is_normalised() -> None:
    class Choice(models.Model):
        question = models.IntegerField()
        choice_text = models.CharField(max_length=200)

        class Meta:
            app_label = "polls"
            unique_together = ["question", "choice_text"]

    assert Choice._meta.unique_together == (("question", "choice_text"),)


# -- the primary key ------------------------------------------------------------------------


def test_implicit_id_is_a_big_auto_field_first_in_line() -> None:
    class Question(models.Model):
        question_text = models.CharField(max_length=200)

        class Meta:
            app_label = "polls"

    pk = Question._meta.pk
    assert type(pk) is models.BigAutoField
    assert field_names(Question) == ["id", "question_text"]
    assert Question._meta.local_fields[0] is pk
    assert (pk.name, pk.column, pk.primary_key, pk.auto_created) == ("id", "id", True, True)
    assert pk.deconstruct() == (
        "id",
        "schemashift.models.BigAutoField",
        [],
        {"primary_key": True, "auto_created": True, "serialize": False, "verbose_name": "ID"},
    )


def test_implicit_id_follows_the_default_auto_field_setting(install_app: Any) -> None:
    library = install_app(
        models="""\
        from schemashift import models

        class Author(models.Model):
            name = models.CharField(max_length=50)
        """,
        settings="DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n",
    )

    assert type(library.Author._meta.pk) is models.AutoField


def test_app_config_default_auto_field_wins_over_the_setting(install_app: Any) -> None:
    library = install_app(
        models="""\
        from schemashift import models

        class Author(models.Model):
            name = models.CharField(max_length=50)
        """,
        apps_py="""\
        from schemashift.apps import AppConfig

        class LibraryConfig(AppConfig):
            default_auto_field = "schemashift.models.SmallAutoField"
        """,
        settings="DEFAULT_AUTO_FIELD = 'schemashift.models.AutoField'\n",
    )

    assert type(library.Author._meta.pk) is models.SmallAutoField


def test_default_auto_field_that_is_not_an_auto_field_is_refused(install_app: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="'schemashift.models.IntegerField'"):
        install_app(
            models="""\
            from schemashift import models

            class Author(models.Model):
                pass
            """,
            settings="DEFAULT_AUTO_FIELD = 'schemashift.models.IntegerField'\n",
        )


def test_explicit_primary_key_replaces_the_implicit_id() -> None:
    class Country(models.Model):
        name = models.CharField(max_length=50)
        code = models.CharField(max_length=2, primary_key=True)

        class Meta:
            app_label = "geo"

    assert field_names(Country) == ["name", "code"]
    assert Country._meta.pk is Country._meta.get_field("code")


def test_two_primary_keys_are_refused_naming_model_and_fields() -> None:
    with pytest.raises(ModelDefinitionError, match=r"geo\.Country .*\(code, number\)"):

        class Country(models.Model):
            code = models.CharField(max_length=2, primary_key=True)
            number = models.IntegerField(primary_key=True)

            class Meta:
                app_label = "geo"


# -- abstract base models -------------------------------------------------------------------


def test_abstract_fields_are_copied_into_each_subclass() -> None:
    class Timestamped(models.Model):
        created = models.DateTimeField(auto_now_add=True)

        class Meta:
            abstract = True

    class Post(Timestamped):
        title = models.CharField(max_length=50)

        class Meta:
            app_label = "blog"

    class Comment(Timestamped):
        class Meta:
            app_label = "blog"

    parent_field = Timestamped._meta.get_field("created")
    post_field = Post._meta.get_field("created")
    comment_field = Comment._meta.get_field("created")
    assert len({id(parent_field), id(post_field), id(comment_field)}) == 3
    assert (post_field.model, comment_field.model) == (Post, Comment)
    assert post_field.deconstruct() == ("created", *parent_field.deconstruct()[1:])
    assert field_names(Post) == ["id", "created", "title"]
    assert field_names(Comment) == ["id", "created"]


def test_a_subclass_field_overrides_the_inherited_one() -> None:
    class Named(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            abstract = True

    class Tag(Named):
        name = models.SlugField(unique=True)

        class Meta:
            app_label = "blog"

    assert type(Tag._meta.get_field("name")) is models.SlugField
    assert field_names(Tag) == ["id", "name"]


def test_abstract_models_get_no_primary_key_and_are_not_registered() -> None:
    class Named(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            abstract = True
            app_label = "blog"

    assert Named._meta.abstract is True
    assert field_names(Named) == ["name"]
    assert Named._meta.pk is None
    assert not hasattr(Named, "DoesNotExist")
    assert "named" not in apps._pending.get("blog", {})


def test_subclass_without_meta_inherits_the_abstract_meta() -> None:
    class Ordered(models.Model):
        position = models.IntegerField()
        label = models.CharField(max_length=20)

        class Meta:
            abstract = True
            app_label = "blog"
            ordering = ["position"]
            unique_together = ["position", "label"]
            indexes = [Index(fields=["-position"])]
            db_table = "not_inherited"

    class Step(Ordered):
        pass

    opts = Step._meta
    assert opts.abstract is False
    assert opts.app_label == "blog"
    assert opts.db_table == "blog_step"
    assert opts.ordering == ["position"]
    assert opts.unique_together == (("position", "label"),)
    expected = Index(fields=["-position"])
    expected.set_name_with_model("blog_step", ["position"])
    assert [index.name for index in opts.indexes] == [expected.name]
    assert Ordered._meta.indexes[0].name == ""
    assert "step" in apps._pending["blog"]


def test_subclass_of_two_abstract_models_inherits_the_first_meta_only() -> None:
    class Ordered(models.Model):
        position = models.IntegerField()

        class Meta:
            abstract = True
            app_label = "blog"
            ordering = ["position"]

    class Labelled(models.Model):
        label = models.CharField(max_length=20)

        class Meta:
            abstract = True
            ordering = ["label"]
            unique_together = ["label", "id"]

    class Step(Ordered, Labelled):
        pass

    assert field_names(Step) == ["id", "position", "label"]
    assert (Step._meta.ordering, Step._meta.unique_together) == (["position"], ())


def test_subclass_with_its_own_meta_does_not_inherit() -> None:
    class Ordered(models.Model):
        position = models.IntegerField()

        class Meta:
            abstract = True
            ordering = ["position"]

    class Step(Ordered):
        class Meta:
            app_label = "blog"

    assert Step._meta.ordering == []


def test_meta_subclassing_the_abstract_meta_inherits_its_options() -> None:
    class Ordered(models.Model):
        position = models.IntegerField()

        class Meta:
            abstract = True
            ordering = ["position"]

    class Step(Ordered):
        class Meta(Ordered.Meta):
            app_label = "blog"
            db_table = "steps"

    opts = Step._meta
    assert (opts.abstract, opts.ordering, opts.db_table) == (False, ["position"], "steps")
    assert Ordered._meta.abstract is True
    assert "step" in apps._pending["blog"]


def test_relations_of_an_abstract_model_resolve_in_each_subclass() -> None:
    class Node(models.Model):
        parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True)
        owner = models.ForeignKey("Owner", on_delete=models.CASCADE)

        class Meta:
            abstract = True

    class Folder(Node):
        class Meta:
            app_label = "files"

    class Category(Node):
        class Meta:
            app_label = "shop"

    assert Node._meta.get_field("parent").to == "self"
    assert Folder._meta.get_field("parent").to == "files.folder"
    assert Folder._meta.get_field("owner").to == "files.owner"
    assert Category._meta.get_field("parent").to == "shop.category"
    assert Category._meta.get_field("owner").to == "shop.owner"


def test_concrete_inheritance_links_the_child_to_its_parent() -> None:
    class Place(models.Model):
        class Meta:
            app_label = "geo"

    class Restaurant(Place):
        class Meta:
            app_label = "geo"

    link = Restaurant._meta.pk
    assert link.name == "place_ptr"
    assert Restaurant._meta.parents == {Place: link}


# -- the app a model belongs to -------------------------------------------------------------


def test_model_outside_installed_apps_needs_an_app_label() -> None:
    with pytest.raises(ModelDefinitionError) as excinfo:

        class Stray(models.Model):
            pass

    assert f"{__name__}.Stray" in str(excinfo.value)
    assert "app_label" in str(excinfo.value) and "INSTALLED_APPS" in str(excinfo.value)


def test_model_in_an_installed_app_takes_its_label(install_app: Any) -> None:
    library = install_app(
        models="""\
        from schemashift import models

        class Author(models.Model):
            name = models.CharField(max_length=50)

        class Book(models.Model):
            author = models.ForeignKey("Author", on_delete=models.CASCADE)
        """
    )

    assert library.Book._meta.label == "library.Book"
    assert library.Book._meta.db_table == "library_book"
    assert library.Book._meta.get_field("author").to == "library.author"
    assert apps.get_model("library", "Book") is library.Book
    assert apps.get_app_config("library").get_models() == [library.Author, library.Book]


def test_model_of_an_installed_app_defined_later_is_registered_there(install_app: Any) -> None:
    install_app()

    class Review(models.Model):
        __module__ = "library.models"

    assert Review._meta.app_label == "library"
    assert apps.get_model("library", "review") is Review


def test_model_of_an_app_not_installed_yet_waits_for_it() -> None:
    class Review(models.Model):
        class Meta:
            app_label = "library"

    assert apps._pending == {"library": {"review": Review}}


# -- DoesNotExist and MultipleObjectsReturned -----------------------------------------------


def test_each_model_has_its_own_exceptions() -> None:
    class Question(models.Model):
        class Meta:
            app_label = "polls"

    class Choice(models.Model):
        class Meta:
            app_label = "polls"

    assert issubclass(Question.DoesNotExist, ObjectDoesNotExist)
    assert issubclass(Question.MultipleObjectsReturned, models.MultipleObjectsReturned)
    assert Question.DoesNotExist is not Choice.DoesNotExist
    assert Question.MultipleObjectsReturned is not Choice.MultipleObjectsReturned
    assert not issubclass(Question.DoesNotExist, Choice.DoesNotExist)
    assert Question.DoesNotExist.__module__ == Question.__module__
    assert Question.DoesNotExist.__qualname__.endswith("Question.DoesNotExist")
    assert Question.MultipleObjectsReturned.__qualname__.endswith(
        "Question.MultipleObjectsReturned"
    )
    with pytest.raises(ObjectDoesNotExist):
        raise Question.DoesNotExist("no question")


# -- instances ------------------------------------------------------------------------------


def test_instance_takes_values_defaults_and_related_instances() -> None:
    class Author(models.Model):
        class Meta:
            app_label = "library"

    class Book(models.Model):
        title = models.CharField(max_length=50)
        pages = models.IntegerField(default=100)
        author = models.ForeignKey(Author, on_delete=models.CASCADE)

        class Meta:
            app_label = "library"

    author = Author(id=7)
    book = Book(title="Dune", author=author)

    assert (book.id, book.title, book.pages, book.author_id) == (None, "Dune", 100, 7)
    assert book.pk is None
    assert Book(author_id=3).author_id == 3
    assert str(author) == "Author object (7)"
    with pytest.raises(TypeError, match="unexpected keyword argument.*: isbn"):
        Book(isbn="x")


# -- indexes --------------------------------------------------------------------------------


def test_index_needs_field_names() -> None:
    with pytest.raises(ValueError, match="at least one field"):
        Index(fields=[])
    with pytest.raises(ValueError, match="list of field names"):
        Index(fields=[("a",)])


def test_index_fields_orders_and_deconstruct() -> None:
    index = Index(fields=["-pub_date", "question"], name="q_idx")

    assert index.fields_orders == [("pub_date", "DESC"), ("question", "")]
    assert index.deconstruct() == (
        "schemashift.models.Index",
        (),
        {"fields": ["-pub_date", "question"], "name": "q_idx"},
    )


def test_index_clone_is_equal_and_independent() -> None:
    index = Index(fields=["a"], name="a_idx")
    copied = index.clone()

    copied.fields.append("b")
    copied.name = "other"

    assert index == Index(fields=["a"], name="a_idx")
    assert hash(index) == hash(Index(fields=["a"], name="a_idx"))
    assert index != copied


def test_explicit_index_names_are_kept_and_meta_indexes_are_not_mutated() -> None:
    shared = [Index(fields=["title"]), Index(fields=["slug"], name="by_slug")]

    class Post(models.Model):
        title = models.CharField(max_length=50)
        slug = models.SlugField()

        class Meta:
            app_label = "blog"
            indexes = shared

    class Page(models.Model):
        title = models.CharField(max_length=50)
        slug = models.SlugField()

        class Meta:
            app_label = "blog"
            indexes = shared

    post_names = [index.name for index in Post._meta.indexes]
    page_names = [index.name for index in Page._meta.indexes]
    assert post_names[1] == page_names[1] == "by_slug"
    assert post_names[0].startswith("blog_post_title_") and post_names[0].endswith("_idx")
    assert page_names[0].startswith("blog_page_title_")
    assert [index.name for index in shared] == ["", "by_slug"]


# Models whose unnamed Meta.indexes are named by Django and by schemashift alike:
# (app_label, model name, Meta.db_table or None, fields as (name, kind, db_column), index)
INDEX_CASES: list[tuple[str, str, str | None, list[tuple[str, str, str | None]], list[str]]] = [
    ("polls", "Question", None, [("pub_date", "char", None)], ["pub_date"]),
    (
        "polls",
        "Poll",
        None,
        [("pub_date", "char", None), ("question_text", "char", None)],
        ["-pub_date", "question_text"],
    ),
    (
        "library",
        "Book",
        None,
        [("author", "fk", None), ("title", "char", None)],
        ["author", "-title"],
    ),
    ("library", "Article", None, [("title", "char", "headline")], ["title"]),
    (
        "inventory",
        "StockMovement",
        None,
        [("warehouse_location", "char", None), ("created", "char", None)],
        ["warehouse_location", "-created"],
    ),
    ("legacy", "Row", "_legacy_rows", [("code", "char", None)], ["code"]),
    ("legacy", "Entry", "2024_entries", [("code", "char", None)], ["-code"]),
]

DJANGO_INDEX_NAMES = """
import json, sys

import django
from django.conf import settings

settings.configure(INSTALLED_APPS=[])
django.setup()
from django.db import models

names = []
for app_label, model_name, db_table, fields, index_fields in json.load(sys.stdin):
    meta = {"app_label": app_label}
    if db_table:
        meta["db_table"] = db_table
    attrs = {"__module__": "probe", "Meta": type("Meta", (), meta)}
    for name, kind, db_column in fields:
        if kind == "fk":
            attrs[name] = models.ForeignKey("self", models.CASCADE, db_column=db_column)
        else:
            attrs[name] = models.CharField(max_length=10, db_column=db_column)
    model = type(model_name, (models.Model,), attrs)
    index = models.Index(fields=index_fields)
    index.set_name_with_model(model)
    names.append(index.name)
print(json.dumps(names))
"""


@pytest.fixture(scope="module")
def django_index_names() -> list[str]:
    """The names Django's ``Index.set_name_with_model`` gives INDEX_CASES, run in Django."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DJANGO_INDEX_NAMES)],
        input=json.dumps(INDEX_CASES),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(result.stdout)


def schemashift_index_name(
    app_label: str,
    model_name: str,
    db_table: str | None,
    fields: list[tuple[str, str, str | None]],
    index_fields: list[str],
) -> str:
    meta: dict[str, Any] = {"app_label": app_label, "indexes": [Index(fields=index_fields)]}
    if db_table:
        meta["db_table"] = db_table
    attrs: dict[str, Any] = {"__module__": __name__, "Meta": type("Meta", (), meta)}
    for name, kind, db_column in fields:
        if kind == "fk":
            attrs[name] = models.ForeignKey("self", models.CASCADE, db_column=db_column)
        else:
            attrs[name] = models.CharField(max_length=10, db_column=db_column)
    model = type(model_name, (models.Model,), attrs)
    return model._meta.indexes[0].name


@pytest.mark.parametrize("case", range(len(INDEX_CASES)), ids=[c[1] for c in INDEX_CASES])
def test_unnamed_index_gets_the_name_django_gives_it(
    case: int, django_index_names: list[str]
) -> None:

    name = schemashift_index_name(*INDEX_CASES[case])

    assert name == django_index_names[case]
    assert len(name) <= Index.max_name_length
    assert name[0].isalpha()


@pytest.mark.parametrize(
    ("class_name", "verbose_name"),
    [
        ("Question", "question"),
        ("BookReview", "book review"),
        ("URLPattern", "url pattern"),
        ("HTTPServerError", "http server error"),
        ("Model10", "model10"),
    ],
)
def test_default_verbose_name_splits_the_class_name_as_django(
    class_name: str, verbose_name: str
) -> None:
    meta = type("Meta", (), {"app_label": "polls"})
    model_class = type(class_name, (models.Model,), {"__module__": __name__, "Meta": meta})
    assert model_class._meta.verbose_name == verbose_name
    assert model_class._meta.verbose_name_plural == f"{verbose_name}s"


def test_a_proxy_with_fields_is_refused() -> None:
    class Spot(models.Model):
        class Meta:
            app_label = "geo"

    with pytest.raises(ModelDefinitionError, match=r"Proxy model .*Lookout contains model fields"):

        class Lookout(Spot):
            height = models.IntegerField()

            class Meta:
                app_label = "geo"
                proxy = True


def test_a_proxy_needs_one_concrete_parent() -> None:
    class Base(models.Model):
        class Meta:
            app_label = "geo"
            abstract = True

    with pytest.raises(ModelDefinitionError, match="exactly one non-abstract model class"):

        class Floating(Base):
            class Meta:
                app_label = "geo"
                proxy = True


def test_a_field_named_like_the_parent_link_is_refused() -> None:
    class Town(models.Model):
        class Meta:
            app_label = "geo"

    with pytest.raises(ModelDefinitionError, match="'town_ptr' clashes with the link"):

        class Village(Town):
            town_ptr = models.IntegerField()

            class Meta:
                app_label = "geo"


def test_an_unknown_default_manager_name_is_refused() -> None:
    with pytest.raises(ModelDefinitionError, match="default_manager_name is 'people'"):

        class Person(models.Model):
            class Meta:
                app_label = "geo"
                default_manager_name = "people"


def test_a_declared_parent_link_is_used_and_managers_are_inherited() -> None:
    class Shouting(models.Manager):
        pass

    class Region(models.Model):
        loud = Shouting()

        class Meta:
            app_label = "geo"
            ordering = ["id"]

    class Province(Region):
        region = models.OneToOneField(Region, on_delete=models.CASCADE, parent_link=True)

        class Meta:
            app_label = "geo"

    assert Province._meta.parents == {Region: Province._meta.get_field("region")}
    assert Province._meta.pk is Province._meta.get_field("region")
    assert Province._meta.pk.deconstruct()[3]["primary_key"] is True
    assert isinstance(Province._default_manager, Shouting)
    assert Province._meta.ordering == ["id"]  # as in Django, inherited at query time only
