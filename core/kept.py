"""What pages read on every request and the register seldom changes (a filter's
countries, sectors and years, the budget years' totals), kept in the cache until
a record it is made from is saved or deleted.

Each model a kept value is made from has a generation number in the cache. A save
or delete of one of its records moves that number on at once, and again when the
transaction commits: a value made in between, from what the database held before
the commit, is kept under a number already left behind. A kept value's key carries
the generations of everything it is made from, so the next read after a change
makes it afresh. Each app says in its ``ready()`` which of its models are followed
(``follow``), so every process that writes them moves the numbers on, the Celery
worker's as much as the web's; asking for a value made from a model nobody follows
is a mistake caught at once. With the cache unreachable, values are made each time.

A generation that is missing (never set, or evicted) starts from the clock, never
from a number it may have held before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a value is kept at the most, changed or not.
KEPT_SECONDS = 60 * 60
_MISSING = object()
_followed: set[str] = set()


def _generation_key(label: str) -> str:
    return f"kept:generation:{label}"


def _move_on(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there (never set, or evicted): any number not used before
        cache.set(key, time.time_ns(), timeout=None)
    except Exception:  # an unreachable cache keeps nothing to be made afresh
        log.warning("The kept values' cache could not be moved on", exc_info=True)


def move_on(label: str) -> None:
    """Has every value made from ``label``'s records made afresh, now and after the commit."""
    key = _generation_key(label)
    _move_on(key)
    transaction.on_commit(lambda: _move_on(key), robust=True)


def move_all_on() -> None:
    """After a restore: every value kept is made afresh on its next read."""
    for label in sorted(_followed):
        _move_on(_generation_key(label))


def _changed(sender: type[models.Model], **_: Any) -> None:
    move_on(sender._meta.label)


def _members_changed(sender: Any, instance: models.Model, model: type[models.Model], **_: Any) -> None:
    # A many-to-many change (a place's sectors, a person's roles) changes both sides' records.
    move_on(type(instance)._meta.label)
    move_on(model._meta.label)


def follow(*sources: type[models.Model]) -> None:
    """Moves the generation of each model on when one of its records is saved or deleted,
    or its many-to-many links change. Called from an app's ``ready()``."""
    for model in sources:
        label = model._meta.label
        post_save.connect(_changed, sender=model, dispatch_uid=f"kept-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"kept-delete-{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _members_changed, sender=through, dispatch_uid=f"kept-m2m-{through._meta.label}"
            )
        _followed.add(label)


def declare(name: str) -> None:
    """A generation moved on by its owner (``move_on(name)``) rather than by saves; it is
    moved on with the rest after a restore."""
    _followed.add(name)


def generation(name: str) -> Any:
    """The current number of a generation."""
    return _generations([name])[0]


def _generations(labels: list[str]) -> list[Any]:
    keys = [_generation_key(label) for label in labels]
    found = cache.get_many(keys)
    missing = {key: time.time_ns() for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
    return [found.get(key, missing.get(key)) for key in keys]


def kept(name: str, sources: Iterable[type[models.Model]], make: Callable[[], T]) -> T:
    """``make()``, or what it gave last time if no record of ``sources`` has changed since."""
    labels = sorted(model._meta.label for model in sources)
    unfollowed = [label for label in labels if label not in _followed]
    if unfollowed:
        raise ImproperlyConfigured(
            f"{name!r} is made from {unfollowed}, which no app follows (core.kept.follow)."
        )
    try:
        key = f"kept:{name}:" + ":".join(str(number) for number in _generations(labels))
        value = cache.get(key, _MISSING)
    except Exception:
        log.warning("The kept values' cache could not be read", exc_info=True)
        return make()
    if value is _MISSING:
        value = make()
        try:
            cache.set(key, value, KEPT_SECONDS)
        except Exception:
            log.warning("The kept values' cache could not be written", exc_info=True)
    return value  # type: ignore[return-value]
