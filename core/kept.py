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

With the cache unreachable, or too slow to answer, values are made each time and the
cache is left alone for ``RESTING_SECONDS``, so that a Redis that hangs costs one page
its socket timeout rather than every page. A generation this process could not move on
meanwhile is moved on as soon as the cache answers again, so a change made while it
could not be told is not shown stale for ``KEPT_SECONDS`` (every process reads the
generations from the cache). A value is kept ``KEPT_SECONDS`` at the most, the
signed-in person and their roles five minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a value is kept at the most, changed or not.
KEPT_SECONDS = 60 * 60
# How long the cache is left alone after it failed to answer.
RESTING_SECONDS = 30
_MISSING = object()
_followed: set[str] = set()
_resting_until = 0.0
# Generations this process could not move on while the cache did not answer.
_missed: set[str] = set()


def cache_answers() -> bool:
    if time.monotonic() < _resting_until:
        return False
    if _missed:
        _catch_up()
    return time.monotonic() >= _resting_until


def _catch_up() -> None:
    """Moves on what was missed while the cache rested; what fails again waits for the next rest."""
    while _missed:
        key = _missed.pop()
        if not _moved_on(key):
            _missed.add(key)
            return


def cache_failed(doing: str) -> None:
    global _resting_until
    _resting_until = time.monotonic() + RESTING_SECONDS
    log.warning("The cache could not %s; it is left alone for %s s", doing, RESTING_SECONDS, exc_info=True)


def _cache_configured(*, setting: str, **_: Any) -> None:
    global _resting_until
    if setting == "CACHES":
        _resting_until = 0.0
        _missed.clear()  # another cache: what the last one missed is nothing to it


setting_changed.connect(_cache_configured, dispatch_uid="core.kept.cache_configured")


def _generation_key(label: str) -> str:
    return f"kept:generation:{label}"


def _move_on(key: str) -> None:
    if not (cache_answers() and _moved_on(key)):
        _missed.add(key)


def _moved_on(key: str) -> bool:
    try:
        try:
            cache.incr(key)
        except ValueError:  # not there (never set, or evicted): any number not used before
            cache.set(key, time.time_ns(), timeout=None)
    except Exception:
        cache_failed("move a generation on")
        return False
    return True


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


def _members_changed(
    sender: Any, instance: models.Model, model: type[models.Model], action: str, **_: Any
) -> None:
    # A many-to-many change (a place's sectors, a person's roles) changes both sides' records;
    # it is counted once it is made.
    if not action.startswith("post_"):
        return
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


def kept(
    name: str, sources: Iterable[type[models.Model]], make: Callable[[], T], *, seconds: int = KEPT_SECONDS
) -> T:
    """``make()``, or what it gave last time if no record of ``sources`` has changed since
    (and it was made less than ``seconds`` ago)."""
    labels = sorted(model._meta.label for model in sources)
    unfollowed = [label for label in labels if label not in _followed]
    if unfollowed:
        raise ImproperlyConfigured(
            f"{name!r} is made from {unfollowed}, which no app follows (core.kept.follow)."
        )
    if not cache_answers():
        return make()
    try:
        key = f"kept:{name}:" + ":".join(str(number) for number in _generations(labels))
        value = cache.get(key, _MISSING)
    except Exception:
        cache_failed("be read")
        return make()
    if value is _MISSING:
        value = make()
        try:
            cache.set(key, value, seconds)
        except Exception:
            cache_failed("be written")
    return value  # type: ignore[return-value]
