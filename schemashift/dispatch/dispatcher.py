"""``Signal`` and the ``receiver`` decorator, as Django's.

A receiver is a callable taking ``signal``, ``sender`` and keyword arguments. It is held
weakly by default (``weak=True``): a receiver nobody else references is dropped, as in Django,
so connect module-level functions or pass ``weak=False``. ``dispatch_uid`` names a connection
so that connecting it twice (an ``AppConfig.ready()`` run again, say) keeps one: the
receiver connected last, where Django keeps the first (the same unless a module was loaded
anew, whose first receiver is then on its way out).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

#: the key of a sender: any sender matches a receiver connected with sender=None
_ANY = object()


def _key(target: Any) -> Any:
    if hasattr(target, "__func__"):  # a bound method: its object and function
        return (id(target.__self__), id(target.__func__))
    return id(target)


class Signal:
    """An event receivers can be connected to and that code sends."""

    def __init__(self, use_caching: bool = False) -> None:
        # (lookup key, sender key) -> receiver or weak reference to it, in connection order
        self._receivers: dict[tuple[Any, Any], Any] = {}
        self._lock = threading.Lock()

    def connect(
        self,
        receiver: Callable[..., Any],
        sender: Any = None,
        weak: bool = True,
        dispatch_uid: Any = None,
    ) -> None:
        """Call ``receiver(signal=..., sender=..., **kwargs)`` whenever this signal is sent
        (only for ``sender`` when one is given)."""
        if not callable(receiver):
            raise TypeError(f"Signal receivers must be callable, not {receiver!r}.")
        lookup = (dispatch_uid if dispatch_uid is not None else _key(receiver), _sender(sender))
        held: Any = receiver
        if weak:
            reference = weakref.WeakMethod if hasattr(receiver, "__func__") else weakref.ref
            held = reference(receiver, self._forget(lookup))
        with self._lock:
            self._receivers[lookup] = held

    def disconnect(
        self,
        receiver: Callable[..., Any] | None = None,
        sender: Any = None,
        dispatch_uid: Any = None,
    ) -> bool:
        """Disconnect a receiver; whether it was connected."""
        lookup = (dispatch_uid if dispatch_uid is not None else _key(receiver), _sender(sender))
        with self._lock:
            return self._receivers.pop(lookup, None) is not None

    def has_listeners(self, sender: Any = None) -> bool:
        return bool(self._live_receivers(sender))

    def send(self, sender: Any, **named: Any) -> list[tuple[Callable[..., Any], Any]]:
        """Call every receiver for ``sender``; an exception of one stops the sending."""
        return [
            (receiver, receiver(signal=self, sender=sender, **named))
            for receiver in self._live_receivers(sender)
        ]

    def send_robust(self, sender: Any, **named: Any) -> list[tuple[Callable[..., Any], Any]]:
        """Call every receiver for ``sender``; an exception is returned as its response."""
        responses: list[tuple[Callable[..., Any], Any]] = []
        for receiver in self._live_receivers(sender):
            try:
                responses.append((receiver, receiver(signal=self, sender=sender, **named)))
            except Exception as error:  # noqa: BLE001 - handed back, as Django does
                responses.append((receiver, error))
        return responses

    def _live_receivers(self, sender: Any) -> list[Callable[..., Any]]:
        wanted = _sender(sender)
        with self._lock:
            held = [r for (_, key), r in self._receivers.items() if key in (_ANY, wanted)]
        live = []
        for receiver in held:
            if isinstance(receiver, weakref.ref):
                receiver = receiver()
                if receiver is None:
                    continue
            live.append(receiver)
        return live

    def _forget(self, lookup: tuple[Any, Any]) -> Callable[[Any], None]:
        this = weakref.ref(self)

        def forget(reference: Any) -> None:
            signal = this()
            if signal is not None:
                with signal._lock:
                    if signal._receivers.get(lookup) is reference:
                        del signal._receivers[lookup]

        return forget


def _sender(sender: Any) -> Any:
    return _ANY if sender is None else id(sender)


def receiver(signal: Signal | list[Signal] | tuple[Signal, ...], **kwargs: Any) -> Callable:
    """Connect the decorated function to ``signal`` (or each of several)."""

    def connect(function: Callable[..., Any]) -> Callable[..., Any]:
        for one in signal if isinstance(signal, list | tuple) else (signal,):
            one.connect(function, **kwargs)
        return function

    return connect
