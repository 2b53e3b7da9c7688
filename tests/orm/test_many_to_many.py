"""ManyToManyField in queries on every backend: the managers of both sides, symmetrical
relations, through models with through_defaults, filters across the relation, prefetching
and deleting either side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

import pytest
from sqlalchemy import event

from schemashift.models import FieldError

BLOG_MODELS = """
    from schemashift import models


    class Tag(models.Model):
        name = models.CharField(max_length=20)

        def __str__(self):
            return self.name


    class Article(models.Model):
        title = models.CharField(max_length=50)
        tags = models.ManyToManyField(Tag, related_name="articles")
        related = models.ManyToManyField("self")
        sources = models.ManyToManyField("self", symmetrical=False, related_name="cited_by")
        editors = models.ManyToManyField("Person", through="Membership")

        def __str__(self):
            return self.title


    class Person(models.Model):
        name = models.CharField(max_length=20)
        topics = models.ManyToManyField(Tag, related_query_name="reader")


    class Membership(models.Model):
        article = models.ForeignKey(Article, on_delete=models.CASCADE)
        person = models.ForeignKey(Person, on_delete=models.CASCADE)
        role = models.CharField(max_length=20, default="editor")
"""


@pytest.fixture
def blog(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(BLOG_MODELS, label="blog")


def names(queryset) -> list[str]:
    return sorted(str(obj) for obj in queryset)


def test_add_remove_set_clear_and_create(blog: ModuleType) -> None:
    a = blog.Article.objects.create(title="A")
    red, green, blue = (blog.Tag.objects.create(name=n) for n in ("red", "green", "blue"))
    a.tags.add(red, green.pk)
    a.tags.add(red)  # already there: no second pair
    assert names(a.tags.all()) == ["green", "red"]
    assert a.tags.count() == 2
    assert names(a.tags.filter(name__startswith="g")) == ["green"]
    a.tags.remove(red)
    assert names(a.tags.all()) == ["green"]
    a.tags.set([blue, red])
    assert names(a.tags.all()) == ["blue", "red"]
    a.tags.set([blue], clear=True)
    assert names(a.tags.all()) == ["blue"]
    made = a.tags.create(name="cyan")
    assert made.pk is not None and names(a.tags.all()) == ["blue", "cyan"]
    a.tags.clear()
    assert list(a.tags.all()) == []
    assert blog.Tag.objects.count() == 4


def test_the_reverse_side_has_the_same_methods(blog: ModuleType) -> None:
    red = blog.Tag.objects.create(name="red")
    a, b = (blog.Article.objects.create(title=t) for t in ("A", "B"))
    red.articles.add(a, b)
    assert names(red.articles.all()) == ["A", "B"]
    assert names(a.tags.all()) == ["red"]
    red.articles.remove(b)
    assert names(b.tags.all()) == []
    c = red.articles.create(title="C")
    assert names(c.tags.all()) == ["red"]
    reader = blog.Person.objects.create(name="Ann")
    red.person_set.add(reader)
    assert names(reader.topics.all()) == ["red"]


def test_a_symmetrical_relation_pairs_both_ways(blog: ModuleType) -> None:
    a, b, c = (blog.Article.objects.create(title=t) for t in ("A", "B", "C"))
    a.related.add(b)
    assert names(a.related.all()) == ["B"]
    assert names(b.related.all()) == ["A"]
    b.related.remove(a)
    assert list(a.related.all()) == []
    a.related.add(b, c)
    c.related.clear()
    assert names(a.related.all()) == ["B"]
    assert not hasattr(a, "article_set")


def test_a_non_symmetrical_relation_goes_one_way(blog: ModuleType) -> None:
    a, b = (blog.Article.objects.create(title=t) for t in ("A", "B"))
    a.sources.add(b)
    assert names(a.sources.all()) == ["B"]
    assert list(b.sources.all()) == []
    assert names(b.cited_by.all()) == ["A"]


def test_through_defaults_fill_the_through_model(blog: ModuleType) -> None:
    a = blog.Article.objects.create(title="A")
    ann, bob = (blog.Person.objects.create(name=n) for n in ("Ann", "Bob"))
    a.editors.add(ann, through_defaults={"role": "chief"})
    a.editors.add(bob)
    roles = dict(blog.Membership.objects.values_list("person__name", "role"))
    assert roles == {"Ann": "chief", "Bob": "editor"}
    cy = a.editors.create(name="Cy", through_defaults={"role": "guest"})
    assert blog.Membership.objects.get(person=cy).role == "guest"
    a.editors.set([ann], through_defaults={"role": "x"})
    assert names(a.editors.all()) == ["Person object (1)"]
    assert names(ann.article_set.all()) == ["A"]


def test_filters_cross_the_relation_both_ways(blog: ModuleType) -> None:
    red, green = (blog.Tag.objects.create(name=n) for n in ("red", "green"))
    a, b = (blog.Article.objects.create(title=t) for t in ("A", "B"))
    a.tags.add(red, green)
    b.tags.add(green)
    assert names(blog.Article.objects.filter(tags__name="red")) == ["A"]
    assert names(blog.Article.objects.filter(tags=green)) == ["A", "B"]
    assert names(blog.Article.objects.filter(tags__in=[red]).distinct()) == ["A"]
    assert names(blog.Tag.objects.filter(articles__title="B")) == ["green"]
    assert names(blog.Article.objects.exclude(tags__name="red")) == ["B"]
    ann = blog.Person.objects.create(name="Ann")
    ann.topics.add(red)
    assert names(blog.Tag.objects.filter(reader__name="Ann")) == ["red"]
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope'"):
        list(blog.Article.objects.filter(nope=1))


@pytest.fixture
def selects(blog: ModuleType) -> Iterator[list[str]]:
    """The SELECT statements the ORM runs on the blog's database."""
    from schemashift.db.connections import connections

    engine = connections["default"].database.engine
    log: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            log.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield log
    event.remove(engine, "before_cursor_execute", record)


def test_prefetch_related_fetches_each_side_once(blog: ModuleType, selects: list[str]) -> None:
    red, green = (blog.Tag.objects.create(name=n) for n in ("red", "green"))
    a, b = (blog.Article.objects.create(title=t) for t in ("A", "B"))
    a.tags.add(red, green)
    b.tags.add(green)
    selects.clear()
    articles = list(blog.Article.objects.order_by("title").prefetch_related("tags"))
    assert [names(article.tags.all()) for article in articles] == [["green", "red"], ["green"]]
    assert len(selects) == 2
    selects.clear()
    tags = list(blog.Tag.objects.order_by("name").prefetch_related("articles"))
    assert [names(tag.articles.all()) for tag in tags] == [["A", "B"], ["A"]]
    assert len(selects) == 2
    selects.clear()
    (first,) = blog.Article.objects.filter(title="B").prefetch_related("tags__articles")
    assert [names(tag.articles.all()) for tag in first.tags.all()] == [["A", "B"]]
    assert len(selects) == 3


def test_deleting_either_side_deletes_its_pairs(blog: ModuleType) -> None:
    red, green = (blog.Tag.objects.create(name=n) for n in ("red", "green"))
    a, b = (blog.Article.objects.create(title=t) for t in ("A", "B"))
    a.tags.add(red, green)
    b.tags.add(red)
    a.related.add(b)
    deleted = a.delete()
    assert deleted == (
        5,
        {"blog.Article": 1, "blog.Article_tags": 2, "blog.Article_related": 2},
    )
    assert names(red.articles.all()) == ["B"]
    assert list(b.related.all()) == []
    green.delete()
    red.delete()
    assert list(b.tags.all()) == []
    b.tags.create(name="blue")
    assert blog.Article.objects.all().delete()[1]["blog.Article_tags"] == 1


def test_unsaved_instances_and_wrong_types_are_refused(blog: ModuleType) -> None:
    a = blog.Article(title="A")
    with pytest.raises(ValueError, match="needs to have a value for field"):
        a.tags.all()
    a.save()
    with pytest.raises(ValueError, match="Cannot add"):
        a.tags.add(blog.Tag(name="new"))
    with pytest.raises(TypeError, match="'Tag' instance expected"):
        a.tags.add(blog.Person.objects.create(name="Ann"))
    with pytest.raises(TypeError, match="Use tags.set"):
        a.tags = []
    with pytest.raises(TypeError, match="Use tags.set"):
        blog.Article(title="B", tags=[])


def test_values_ordering_and_aggregates_cross_the_relation(blog: ModuleType) -> None:
    from schemashift.models import Count

    red, green = (blog.Tag.objects.create(name=n) for n in ("red", "green"))
    a, b = (blog.Article.objects.create(title=t) for t in ("A", "B"))
    a.tags.add(red, green)
    b.tags.add(green)
    pairs = blog.Article.objects.order_by("title", "tags__name").values_list("title", "tags__name")
    assert list(pairs) == [("A", "green"), ("A", "red"), ("B", "green")]
    counted = blog.Article.objects.annotate(n=Count("tags")).order_by("title")
    assert [(x.title, x.n) for x in counted] == [("A", 2), ("B", 1)]
    assert blog.Tag.objects.filter(articles=a).count() == 2


ABSTRACT_MODELS = """
    from schemashift import models


    class Tag(models.Model):
        name = models.CharField(max_length=20)


    class Tagged(models.Model):
        tags = models.ManyToManyField(Tag, related_name="%(class)s_items")

        class Meta:
            abstract = True


    class Photo(Tagged):
        pass


    class Video(Tagged):
        pass
"""


def test_each_child_of_an_abstract_model_has_its_own_table(
    make_app: Callable[..., ModuleType],
) -> None:
    app = make_app(ABSTRACT_MODELS, label="media")
    red = app.Tag.objects.create(name="red")
    photo, video = app.Photo.objects.create(), app.Video.objects.create()
    photo.tags.add(red)
    assert list(video.tags.all()) == []
    assert list(photo.tags.all()) == [red]
    assert app.Photo._meta.get_field("tags").model is app.Photo
    assert list(red.photo_items.all()) == [photo]
    assert list(red.video_items.all()) == []
    assert app.Photo._meta.get_field("tags").deconstruct()[3]["related_name"] == ("%(class)s_items")
