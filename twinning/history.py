"""Readable change history built from django-simple-history snapshots."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

HIDDEN_FIELDS = {"version", "id"}
CREATED, CHANGED, DELETED = "+", "~", "-"


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    kind: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def verb(self) -> str:
        return {CREATED: "Created", DELETED: "Deleted"}.get(self.kind, "Changed")


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return "The system"
    return user.get_full_name() or user.get_username()


def _m2m_target_ids(model_field: models.ManyToManyField, rows: Any) -> list[Any]:
    target = model_field.m2m_reverse_field_name()
    return [row.get(target) if isinstance(row, dict) else row for row in rows or []]


class _Lookups:
    """Resolves foreign-key ids to names with one query per related model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[Any, models.Model]] = {}

    def want(self, model_field: models.Field, value: Any) -> None:
        if model_field.many_to_many:
            self.wanted[model_field.related_model].update(_m2m_target_ids(model_field, value))
        elif model_field.is_relation and value is not None:
            self.wanted[model_field.related_model].add(value)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            ids.discard(None)
            self.found[model] = model._default_manager.in_bulk(ids) if ids else {}

    def show(self, model_field: models.Field, value: Any) -> str:
        if model_field.many_to_many:
            found = self.found.get(model_field.related_model, {})
            names = [str(found.get(pk, f"#{pk} (removed)")) for pk in _m2m_target_ids(model_field, value)]
            return ", ".join(sorted(names)) or "—"
        if value is None or value == "":
            return "—"
        if model_field.is_relation:
            return str(self.found.get(model_field.related_model, {}).get(value, f"#{value} (removed)"))
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


def history_entries(instance: models.Model, *, limit: int = 50) -> list[HistoryEntry]:
    """Newest first: who changed what, from what to what, for up to ``limit`` saves."""
    model = type(instance)
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    has_older = len(records) > limit
    fields = {
        f.name: f
        for f in model._meta.get_fields()
        if f.concrete and f.name not in HIDDEN_FIELDS and not f.auto_created
    }
    lookups = _Lookups()
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        pairs: list[tuple[models.Field, Any, Any]] = []
        if older is None:
            if has_older:
                continue
            for name, model_field in fields.items():
                value = getattr(record, model_field.attname, None)
                if model_field.many_to_many:
                    value = [
                        {
                            model_field.m2m_reverse_field_name(): getattr(
                                row, model_field.m2m_reverse_field_name() + "_id"
                            )
                        }
                        for row in getattr(record, name).all()
                    ]
                    if not value:
                        continue
                elif value in (None, ""):
                    continue
                pairs.append((model_field, None, value))
        else:
            delta = record.diff_against(
                older, excluded_fields=list(HIDDEN_FIELDS & set(fields) | {"version"})
            )
            for change in delta.changes:
                model_field = fields.get(change.field)
                if model_field is not None:
                    pairs.append((model_field, change.old, change.new))
        for model_field, old, new in pairs:
            lookups.want(model_field, old)
            lookups.want(model_field, new)
        raw.append((record, pairs))
    lookups.load()

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
                )
            )
        entries.append(entry)
    return entries
