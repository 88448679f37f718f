"""What the privacy pages do: list what has passed its retention date, decide on it, erase a
person's details, and gather everything the register holds on a person."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.signals import post_save
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import Document
from core.status import RuleBroken
from delegations.models import Meeting
from partners.models import Action, Approach

from .kinds import KINDS, Kind, history_matching, is_removal, matching
from .models import Erasure, RetentionReview, RetentionRule, ReviewOutcome, SubjectAccessRequest

# --- Retention ------------------------------------------------------------------------------


def list_due(today: date | None = None) -> int:
    """Lists every record past its kind's retention date that is not listed already (nor kept
    beyond today); returns how many were added. Nothing is deleted: someone decides each."""
    today = today or timezone.localdate()
    added = 0
    for rule in RetentionRule.objects.all():
        kind = KINDS[rule.kind]
        listed = set(
            RetentionReview.objects.filter(kind=rule.kind)
            .filter(models.Q(outcome=ReviewOutcome.PENDING) | models.Q(keep_until__gt=today))
            .values_list("object_id", flat=True)
        )
        new = [
            RetentionReview(
                kind=rule.kind,
                object_id=record.id,
                label=kind.label(record)[:300],
                counted_from=record.counted_from,
                due_on=record.counted_from + relativedelta(months=rule.keep_for_months),
                listed_on=today,
            )
            for records in (
                kind.due(today, rule.keep_for_months),
                kind.removed_due(today, rule.keep_for_months),
            )
            for record in records.iterator()
            if record.id not in listed and record.counted_from is not None
        ]
        RetentionReview.objects.bulk_create(new)
        added += len(new)
    return added


ALREADY_DECIDED = "Someone has decided on this record already."


@transaction.atomic
def keep(review: RetentionReview, *, by: Any, reason: str, months: int) -> RetentionReview:
    """Keeps the record ``months`` longer, for ``reason``; it is listed again after that."""
    if not reason.strip():
        raise RuleBroken("Say why the record is kept beyond its retention date.", field="reason")
    # Read again under a lock: a colleague's decision in between stands, and is said.
    review = RetentionReview.objects.select_for_update().get(pk=review.pk)
    if review.outcome != ReviewOutcome.PENDING:
        raise RuleBroken(ALREADY_DECIDED)
    review.outcome, review.decided_by, review.decided_at = ReviewOutcome.KEPT, by, timezone.now()
    review.reason = reason
    review.keep_until = timezone.localdate() + relativedelta(months=months)
    review.save()
    return review


# --- Erasure ------------------------------------------------------------------------------------


@transaction.atomic
def erase(*, kind: str, object_id: int, by: Any, reason: str) -> Erasure:
    """Replaces the person's details in the record and in every history row of it (or deletes a
    sign-in record), keeping the register's facts; records who, when and why."""
    if not reason.strip():
        raise RuleBroken(
            "Say why the details are erased (the request, or the retention review).", field="reason"
        )
    spec = KINDS[kind]
    found = spec.record_or_removed(object_id, lock=True)
    if found is None or _still_erased(spec, found, kind):
        raise RuleBroken("These details were erased already: someone may have pressed Erase first.")
    record = None if is_removal(found) else found  # None: removed from the register
    erasure = Erasure.objects.create(
        kind=kind, object_id=object_id, by=by, reason=reason, fields=list(spec.identity)
    )
    marker = spec.marker(f"E{erasure.pk}")
    content_type = ContentType.objects.get_for_model(spec.model)
    values = {spec.identity[0]: marker, **{name: _blank(spec.model, name) for name in spec.identity[1:]}}
    if spec.delete_on_erasure:
        record.delete()
    else:
        erasure.history_rows = spec.model.history.filter(id=object_id).update(**values)
        erasure.save(update_fields=["history_rows"])
        if record is not None:  # else removed from the register: it lives on only in its history
            _erase_in_place(spec, object_id, values)
    LogEntry.objects.filter(content_type=content_type, object_id=str(object_id)).update(
        object_repr=marker, change_message=""
    )
    RetentionReview.objects.filter(kind=kind, object_id=object_id).update(label=marker)
    RetentionReview.objects.filter(kind=kind, object_id=object_id, outcome=ReviewOutcome.PENDING).update(
        outcome=ReviewOutcome.ERASED, decided_by=by, decided_at=timezone.now(), reason=reason
    )
    return erasure


def _erase_in_place(spec: Kind, object_id: int, values: dict[str, Any]) -> None:
    """The record itself erased, and the search index (and what shows it) written again from it."""
    changes: dict[str, Any] = dict(values)
    if any(f.name == "version" for f in spec.model._meta.fields):
        changes["version"] = models.F("version") + 1
    spec.model.objects.filter(pk=object_id).update(**changes)
    fresh = spec.model.objects.get(pk=object_id)
    fresh.skip_history_when_saving = True
    post_save.send(sender=spec.model, instance=fresh, created=False, raw=False, using="default")


def _still_erased(spec: Any, record: models.Model, kind: str) -> bool:
    """Whether the record still holds only what its last erasure left. A record filled in
    again afterwards (the contact's post taken by someone new) holds personal details again."""
    # ``id``, not ``pk``: a removal row's pk is its history row's.
    last = Erasure.objects.filter(kind=kind, object_id=record.id).order_by("-pk").first()
    if last is None:
        return False
    first, *rest = spec.identity
    return getattr(record, first) == spec.marker(f"E{last.pk}") and all(
        getattr(record, name) == _blank(spec.model, name) for name in rest
    )


def _blank(model: type[models.Model], name: str) -> Any:
    model_field = model._meta.get_field(name)
    return None if model_field.null else ""


# --- Subject access -----------------------------------------------------------------------------


@dataclass
class Found:
    """What the register holds on a person, section by section, each a list of rows to show."""

    name: str
    email: str
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    records: list[tuple[Kind, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.sections.values())


def _row(obj: models.Model, **extra: Any) -> dict[str, Any]:
    values = {
        key: value
        for key, value in model_to_dict(obj).items()
        if not isinstance(value, (list, models.Model)) and key != "version"
    }
    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return {"record": str(obj), "url": url, "id": obj.pk, **values, **extra}


def _person_row(kind: Kind, record: models.Model) -> dict[str, Any]:
    """A record of one of the personal kinds, named as the retention list names it."""
    return {**_row(record, erase_as=kind.key), "record": kind.label(record)}


def find_person(name: str, email: str = "") -> Found:
    """Everything that names the person, across the register: their records of each kind, the
    meetings and actions and approaches whose text names them, documents naming them, and the
    history rows that named them, whatever the records say now."""
    found = Found(name=name, email=email)
    for kind in KINDS.values():
        if not kind.named_in:
            continue
        records = list(matching(kind, name, email))
        found.records += [(kind, record) for record in records]
        found.sections[kind.title] = [_person_row(kind, record) for record in records]
        found.sections[f"History of {kind.title.lower()}"] = [
            {
                "record": f"{kind.model._meta.verbose_name.capitalize()} #{row.id}",
                "when": row.history_date,
                "by": str(row.history_user) if row.history_user else "the system",
                **{name_: getattr(row, name_) for name_ in kind.named_in},
            }
            for row in history_matching(kind, name, email).order_by("id", "history_date")
        ]
    contacts = [record.pk for kind, record in found.records if kind.key == "contact"]
    found.sections["Meetings that name them"] = [
        _row(meeting)
        for meeting in Meeting.objects.filter(outcome__icontains=name).select_related("organisation", "visit")
    ]
    found.sections["Actions naming them"] = [
        _row(action)
        for action in Action.objects.filter(
            models.Q(title__icontains=name) | models.Q(description__icontains=name)
        )
    ]
    found.sections["Approaches naming them"] = [
        _row(approach)
        for approach in Approach.objects.select_related("place").filter(
            models.Q(request__icontains=name)
            | models.Q(response__icontains=name)
            | models.Q(via_contact__in=contacts)
        )
    ]
    found.sections["Documents naming them"] = [
        {
            "record": document.title,
            "kind": document.get_kind_display(),
            "date": document.dated,
            "file": document.file_name,
            "kept with": f"{document.record_type.name} #{document.record_id}",
        }
        for document in Document.objects.select_related("record_type").filter(
            models.Q(title__icontains=name) | models.Q(file_name__icontains=name)
        )
    ]
    # A removed document's file is gone, but its record's history page still names it.
    found.sections["Removed documents that named them"] = [
        {
            "record": removal.title,
            "kind": removal.get_kind_display(),
            "date": removal.dated,
            "file": removal.file_name,
            "kept with": f"{removal.record_type.name} #{removal.record_id}",
            "removed": removal.history_date,
        }
        for removal in Document.history.filter(history_type="-")
        .exclude(id__in=Document.objects.values("pk"))
        .filter(models.Q(title__icontains=name) | models.Q(file_name__icontains=name))
        .select_related("record_type")
        .order_by("history_date")
    ]
    return found


def archive(found: Found, *, reference: str, by: Any) -> bytes:
    """A zip of a readable summary (HTML) and the same data as JSON; the request is recorded."""
    made_at = timezone.now()
    SubjectAccessRequest.objects.create(by=by, at=made_at, reference=reference, found=found.count)
    data = {
        "reference": reference,
        "made_at": made_at,
        "searched_for": {"name": found.name, "email": found.email},
        "sections": found.sections,
    }
    summary = render_to_string(
        "privacy/subject_access_summary.html", {"found": found, "reference": reference, "made_at": made_at}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("summary.html", summary)
        zipped.write(finders.find("css/subject-access.css"), "summary.css")
        zipped.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
    return buffer.getvalue()
