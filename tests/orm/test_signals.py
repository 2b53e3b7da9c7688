"""The signals saving, deleting and pairing rows send, as Django's: who receives them, with
what, and when; and the dispatcher's own rules (weak receivers, dispatch_uid, senders)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from schemashift.dispatch import Signal, receiver
from schemashift.models import signals

MODELS = """
    from schemashift import models


    class Author(models.Model):
        name = models.CharField(max_length=20)


    class Book(models.Model):
        title = models.CharField(max_length=20)
        author = models.ForeignKey(Author, models.CASCADE)
        tags = models.ManyToManyField("Tag", blank=True)


    class Tag(models.Model):
        name = models.CharField(max_length=20)


    class Anthology(Book):
        class Meta:
            proxy = True
"""


@pytest.fixture
def shelf(make_app: Callable[..., ModuleType]) -> ModuleType:
    return make_app(MODELS, label="shelf")


@pytest.fixture
def heard() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every save, delete and pairing signal sent during the test, with its arguments."""
    seen: list[tuple[str, dict[str, Any]]] = []
    names = ["pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed"]
    listeners = []
    for name in names:

        def listen(signal: Signal, sender: Any, _name: str = name, **kwargs: Any) -> None:
            seen.append((_name, {"sender": sender, **kwargs}))

        getattr(signals, name).connect(listen)
        listeners.append((name, listen))
    yield seen
    for name, listen in listeners:
        getattr(signals, name).disconnect(listen)


def test_saving_sends_pre_and_post_save(shelf: ModuleType, heard: list) -> None:
    author = shelf.Author(name="Le Guin")
    author.save()
    author.name = "Ursula"
    author.save(update_fields=["name"])
    author.save(update_fields=[])  # nothing to save: no signal, as Django
    assert [(name, kw["sender"], kw["instance"], kw.get("created")) for name, kw in heard] == [
        ("pre_save", shelf.Author, author, None),
        ("post_save", shelf.Author, author, True),
        ("pre_save", shelf.Author, author, None),
        ("post_save", shelf.Author, author, False),
    ]
    assert [kw["update_fields"] for _, kw in heard] == [None, None, {"name"}, {"name"}]
    assert all(kw["using"] == "default" and kw["raw"] is False for _, kw in heard)


def test_a_proxy_is_the_sender_of_its_own_saves(shelf: ModuleType, heard: list) -> None:
    author = shelf.Author.objects.create(name="a")
    heard.clear()
    shelf.Anthology.objects.create(title="t", author=author)
    assert [(name, kw["sender"]) for name, kw in heard] == [
        ("pre_save", shelf.Anthology),
        ("post_save", shelf.Anthology),
    ]


def test_a_receiver_raising_in_pre_save_stops_the_save(shelf: ModuleType) -> None:
    def refuse(signal: Signal, sender: Any, **kwargs: Any) -> None:
        raise ValueError("read-only")

    signals.pre_save.connect(refuse, sender=shelf.Author)
    try:
        with pytest.raises(ValueError, match="read-only"):
            shelf.Author.objects.create(name="x")
        shelf.Tag.objects.create(name="not refused")
    finally:
        signals.pre_save.disconnect(refuse, sender=shelf.Author)
    assert shelf.Author.objects.count() == 0


def test_deleting_sends_pre_and_post_delete_for_every_row_cascaded(shelf: ModuleType) -> None:
    author = shelf.Author.objects.create(name="a")
    book = shelf.Book.objects.create(title="t", author=author)
    book.tags.add(shelf.Tag.objects.create(name="x"))
    author_pk, book_pk = author.pk, book.pk
    sent: list[tuple[str, Any, Any, Any, int]] = []

    def record(signal: Signal, sender: Any, instance: Any, origin: Any, **kwargs: Any) -> None:
        name = "pre_delete" if signal is signals.pre_delete else "post_delete"
        books_left = shelf.Book.objects.filter(pk=book_pk).count()
        sent.append((name, sender, instance.pk, origin, books_left))

    signals.pre_delete.connect(record)
    signals.post_delete.connect(record)
    try:
        author.delete()
    finally:
        signals.pre_delete.disconnect(record)
        signals.post_delete.disconnect(record)
    # the pointing rows first, as they are deleted; none for the automatic tag pair
    assert sent == [
        ("pre_delete", shelf.Book, book_pk, author, 1),
        ("pre_delete", shelf.Author, author_pk, author, 1),
        ("post_delete", shelf.Book, book_pk, author, 0),
        ("post_delete", shelf.Author, author_pk, author, 0),
    ]

    tags = shelf.Tag.objects.all()
    signals.post_delete.connect(record, sender=shelf.Tag)
    try:
        tags.delete()
    finally:
        signals.post_delete.disconnect(record, sender=shelf.Tag)
    assert sent[-1][1:] == (shelf.Tag, sent[-1][2], tags, 0)  # the QuerySet is the origin


def test_pairing_sends_m2m_changed(shelf: ModuleType, heard: list) -> None:
    author = shelf.Author.objects.create(name="a")
    book = shelf.Book.objects.create(title="t", author=author)
    red, blue = shelf.Tag.objects.create(name="red"), shelf.Tag.objects.create(name="blue")
    heard.clear()
    book.tags.add(red, blue)
    book.tags.add(red)  # paired already: the signals say so with an empty pk_set
    book.tags.remove(blue)
    red.book_set.clear()
    changes = [
        (kw["action"], kw["instance"], kw["reverse"], kw["model"], kw["pk_set"])
        for name, kw in heard
        if name == "m2m_changed"
    ]
    assert changes == [
        ("pre_add", book, False, shelf.Tag, {red.pk, blue.pk}),
        ("post_add", book, False, shelf.Tag, {red.pk, blue.pk}),
        ("pre_add", book, False, shelf.Tag, set()),
        ("post_add", book, False, shelf.Tag, set()),
        ("pre_remove", book, False, shelf.Tag, {blue.pk}),
        ("post_remove", book, False, shelf.Tag, {blue.pk}),
        ("pre_clear", red, True, shelf.Book, None),
        ("post_clear", red, True, shelf.Book, None),
    ]
    assert {kw["sender"] for name, kw in heard if name == "m2m_changed"} == {
        shelf.Book.tags.through
    }


def test_receivers_are_held_weakly_unless_asked() -> None:
    signal = Signal()
    calls: list[str] = []

    def make(tag: str) -> Callable[..., None]:
        def listen(signal: Signal, sender: Any, **kwargs: Any) -> None:
            calls.append(tag)

        return listen

    weak, strong = make("weak"), make("strong")
    signal.connect(weak)
    signal.connect(strong, weak=False)
    signal.send(sender=None)
    del weak, strong
    gc.collect()
    signal.send(sender=None)
    assert calls == ["weak", "strong", "strong"]


def test_dispatch_uid_keeps_one_connection_and_senders_filter() -> None:
    signal = Signal()
    calls: list[Any] = []

    def first(signal: Signal, sender: Any, **kwargs: Any) -> str:
        calls.append(("first", sender))
        return "one"

    def second(signal: Signal, sender: Any, **kwargs: Any) -> str:
        calls.append(("second", sender))
        return "two"

    signal.connect(first, dispatch_uid="only")
    signal.connect(second, dispatch_uid="only")
    assert [response for _, response in signal.send(sender=int)] == ["two"]
    calls.clear()

    @receiver([signal], sender=str)
    def for_text(signal: Signal, sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("broken receiver")

    signal.send(sender=int)
    assert calls == [("second", int)]
    (_, _), (_, error) = signal.send_robust(sender=str)
    assert isinstance(error, RuntimeError)
    assert signal.disconnect(dispatch_uid="only") and not signal.disconnect(dispatch_uid="only")
    assert signal.has_listeners(str) and not signal.has_listeners(int)
