"""Readable change history built from django-simple-history snapshots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models.signals import post_save
from django.utils.html import conditional_escape

HIDDEN_FIELDS = {"version", "id"}
CREATED, CHANGED, DELETED = "+", "~", "-"


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    lang: str = ""  # the language its values are written in, where not the page's


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    kind: str
    changes: list[FieldChange] = field(default_factory=list)
    # What happened, where not to the record itself ("Document attached").
    subject: str = ""

    @property
    def verb(self) -> str:
        return self.subject or {CREATED: "Created", DELETED: "Deleted"}.get(self.kind, "Changed")

    @property
    def shows_from(self) -> bool:
        """Whether the entry's table has a "From" column: a change, not a creation or a part's event."""
        return self.kind != CREATED and not self.subject


@contextmanager
def one_history_record(instance: models.Model, *, created: bool) -> Iterator[None]:
    """Records a save and its many-to-many changes as one history entry.

    django-simple-history otherwise snapshots the row on save and again on
    every many-to-many change, so one edit would read as two or three.
    """
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    # simple-history snapshots on post_save; our models have no other receivers.
    post_save.send(sender=type(instance), instance=instance, created=created, raw=False, using="default")


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return "The system"
    return user.get_full_name() or user.get_username()


def _name(obj: models.Model | None, pk: Any) -> str:
    if obj is None:
        return f"#{pk} (removed)"
    if hasattr(obj, "get_full_name"):  # people by name, as everywhere else
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _m2m_values(records: list[Any], m2m_fields: list[models.ManyToManyField]) -> dict[tuple[int, str], set]:
    """{(history_id, field name): the related ids at that save}, one query per field."""
    values: dict[tuple[int, str], set] = defaultdict(set)
    history_ids = [record.history_id for record in records]
    for model_field in m2m_fields:
        through = getattr(records[0], model_field.name).model
        target = model_field.m2m_reverse_field_name()
        rows = through._default_manager.filter(history_id__in=history_ids).values_list(
            "history_id", f"{target}_id"
        )
        for history_id, target_id in rows:
            values[(history_id, model_field.name)].add(target_id)
    return values


class _Lookups:
    """Resolves foreign-key ids to names with one query per related model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[Any, models.Model]] = {}

    def want(self, model_field: models.Field, value: Any) -> None:
        if model_field.many_to_many:
            self.wanted[model_field.related_model].update(value or ())
        elif model_field.is_relation and value is not None:
            self.wanted[model_field.related_model].add(value)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            ids.discard(None)
            self.found[model] = model._default_manager.in_bulk(ids) if ids else {}

    def show(self, model_field: models.Field, value: Any) -> str:
        if model_field.many_to_many:
            found = self.found.get(model_field.related_model, {})
            names = [_name(found.get(pk), pk) for pk in value or ()]
            return ", ".join(sorted(names)) or "—"
        if value is None or value == "":
            return "—"
        if model_field.is_relation:
            related = self.found.get(model_field.related_model, {}).get(value)
            if hasattr(related, "__html__"):  # a place: its name in local script marked with its language
                return conditional_escape(related)
            return _name(related, value)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


def history_entries(instance: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    """Newest first: who changed what, from what to what, for up to ``limit`` saves.

    A fixed number of queries however long the history: one for the
    snapshots, one per many-to-many field and one per related model named.
    """
    model = type(instance)
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    if not records:
        return []
    has_older = len(records) > limit
    tracked_m2m = {f.name for f in getattr(records[0], "_history_m2m_fields", [])}
    fields = [
        f
        for f in model._meta.get_fields()
        if f.concrete
        and not f.auto_created
        and not f.generated
        and f.name not in HIDDEN_FIELDS
        and (not f.many_to_many or f.name in tracked_m2m)
    ]
    m2m_values = _m2m_values(records, [f for f in fields if f.many_to_many])

    def value_of(record: Any, model_field: models.Field) -> Any:
        if model_field.many_to_many:
            return m2m_values.get((record.history_id, model_field.name), set())
        return getattr(record, model_field.attname, None)

    lookups = _Lookups()
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        if older is None and has_older:
            continue  # its predecessor is beyond the limit: no honest diff to show
        pairs: list[tuple[models.Field, Any, Any]] = []
        for model_field in fields:
            new = value_of(record, model_field)
            old = value_of(older, model_field) if older is not None else None
            if older is None and new in (None, "", set()):
                continue
            if older is not None and new == old:
                continue
            pairs.append((model_field, old, new))
            lookups.want(model_field, old)
            lookups.want(model_field, new)
        raw.append((record, pairs))
    lookups.load()

    # Fields the record writes in another language (a place's name in local script), by name.
    languages = instance.field_languages() if hasattr(instance, "field_languages") else {}
    entries = []
    for record, pairs in raw:
        entry = HistoryEntry(when=record.history_date, who=_who(record), kind=record.history_type)
        for model_field, old, new in pairs:
            entry.changes.append(
                FieldChange(
                    label=str(model_field.verbose_name).capitalize(),
                    old=""
                    if old is None and record.history_type == CREATED
                    else lookups.show(model_field, old),
                    new=lookups.show(model_field, new),
                    lang=languages.get(model_field.name, ""),
                )
            )
        entries.append(entry)
    return entries
