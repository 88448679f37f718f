"""Writes of one record from plain values, for the register's ordinary pages.

A form checks what was typed and hands over its cleaned values; these write
them, the record and its many-to-many links together as one history entry,
in one transaction. Apps with rules of their own (a relationship records its
first status, spend guards its budget line) call these from their services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from .history import one_history_record

Record = TypeVar("Record", bound=models.Model)


def _assign(record: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    """Sets the record's own fields; returns the many-to-many values to set once it is saved."""
    links = {}
    for name, value in values.items():
        field = record._meta.get_field(name)
        if field.many_to_many:
            links[name] = value
        else:
            setattr(record, name, value)
    return links


def _save(record: Record, links: Mapping[str, Any], *, created: bool) -> Record:
    with one_history_record(record, created=created):
        record.save()
        for name, value in links.items():
            getattr(record, name).set(value)
    return record


@transaction.atomic
def record_create(*, model: type[Record], values: Mapping[str, Any]) -> Record:
    """A new record from values a form has already checked (fields by name, links as lists)."""
    record = model()
    links = _assign(record, values)
    return _save(record, links, created=True)


@transaction.atomic
def record_update(
    *, record: Record, values: Mapping[str, Any], expected_version: int | None = None
) -> Record:
    """Saves changed values to a record, refusing (StaleEditError) if a colleague saved it since
    the editor loaded ``expected_version``."""
    if expected_version is not None:
        record.version = expected_version  # type: ignore[attr-defined]
    links = _assign(record, values)
    return _save(record, links, created=False)
