"""One search across the register: places, organisations, contacts,
relationships, approaches, visits and reports.

Each searchable record has one SearchEntry holding its title, where it lives,
its searchable fields with their labels, and all their text *folded*: accents
stripped, apostrophes dropped, lower case ("Xi'an" and "XIAN" both fold to
"xian"; "Osnabrück" to "osnabruck"; "西安市" stays "西安市"). On PostgreSQL the
folded text also feeds a tsvector with a GIN index and results are ranked
with ts_rank over prefix matches (so "西安" finds "西安市"); on SQLite every
folded word must be contained in the text. Entries are kept up to date by
signals on save and delete; `manage.py rebuild_search_index` rebuilds them
all (after bulk loads, which send no signals).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.signals import post_delete, post_save

from .models import SearchEntry

MAX_QUERY_LENGTH = 200
RESULTS_PER_KIND = 10
_APOSTROPHES = re.compile(r"['’‘`ʼ]")
_NOT_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def fold(text: str) -> str:
    """Text as the search compares it: no accents, no apostrophes, lower case,
    punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = _APOSTROPHES.sub("", bare.casefold())
    return " ".join(_NOT_WORD.sub(" ", bare).split())


@dataclass(frozen=True)
class Document:
    title: str
    summary: str
    url: str
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class Kind:
    """One kind of record the search covers."""

    key: str
    label: str
    model: str
    permission: str
    document: Callable[[Any], Document]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    @property
    def model_class(self) -> Any:
        return apps.get_model(self.model)

    def queryset(self) -> QuerySet:
        return (
            self.model_class.objects.select_related(*self.select_related)
            .prefetch_related(*self.prefetch_related)
            .order_by("pk")
        )


def _place(place: Any) -> Document:
    return Document(
        title=str(place),
        summary=", ".join(filter(None, [place.get_kind_display(), place.country])),
        url=place.get_absolute_url(),
        fields=[
            ("English name", place.name),
            ("Local name", place.local_name),
            ("Country", place.country),
            ("Notes", place.notes),
        ],
    )


def _organisation(organisation: Any) -> Document:
    return Document(
        title=organisation.name,
        summary=", ".join(filter(None, [organisation.get_kind_display(), organisation.country])),
        url=organisation.get_absolute_url(),
        fields=[
            ("Name", organisation.name),
            ("Country", organisation.country),
            ("Notes", organisation.notes),
        ],
    )


def _contact(contact: Any) -> Document:
    organisation = contact.organisation.name if contact.organisation_id else ""
    return Document(
        title=contact.name or contact.job_title,
        summary=", ".join(filter(None, [contact.job_title if contact.name else "", organisation])),
        url=contact.get_absolute_url(),
        fields=[
            ("Name", contact.name),
            ("Job title", contact.job_title),
            ("Organisation", organisation),
            ("Email", contact.email),
            ("Notes", contact.notes),
        ],
    )


def _relationship(relationship: Any) -> Document:
    place = relationship.place
    return Document(
        title=str(relationship),
        summary=relationship.get_status_display(),
        url=relationship.get_absolute_url(),
        fields=[
            ("Place", place.name),
            ("Local name", place.local_name),
            ("Country", place.country),
            ("Narrative", relationship.narrative),
        ],
    )


def _approach(approach: Any) -> Document:
    place = approach.place
    via = approach.via_organisation.name if approach.via_organisation_id else ""
    return Document(
        title=str(approach),
        summary=approach.get_outcome_display(),
        url=approach.get_absolute_url(),
        fields=[
            ("Place", place.name),
            ("Local name", place.local_name),
            ("Through", via),
            ("What was asked", approach.request),
            ("Our response", approach.response),
        ],
    )


def _visit(visit: Any) -> Document:
    place = visit.relationship.place
    return Document(
        title=visit.title,
        summary=", ".join(
            filter(None, [visit.get_direction_display(), place.name, visit.get_status_display()])
        ),
        url=visit.get_absolute_url(),
        fields=[
            ("Title", visit.title),
            ("Place", place.name),
            ("Local name", place.local_name),
            ("Where", visit.location),
            ("Outcomes", visit.outcomes),
        ],
    )


def _report(report: Any) -> Document:
    paragraphs = " ".join(paragraph.text for paragraph in report.paragraphs.all())
    return Document(
        title=report.title,
        summary=f"{report.committee}, {report.meeting_date:%-d %B %Y}, {report.get_status_display()}",
        url=report.get_absolute_url(),
        fields=[("Title", report.title), ("Report of", report.report_of), ("Text", paragraphs)],
    )


KINDS: tuple[Kind, ...] = (
    Kind("place", "Places", "partners.Place", "partners.view_place", _place),
    Kind("relationship", "Relationships", "partners.Relationship", "partners.view_relationship",
         _relationship, select_related=("place",)),
    Kind("approach", "Approaches", "partners.Approach", "partners.view_approach", _approach,
         select_related=("place", "via_organisation")),
    Kind("organisation", "Organisations", "partners.Organisation", "partners.view_organisation", _organisation),
    Kind("contact", "Contacts", "partners.Contact", "partners.view_contact", _contact,
         select_related=("organisation",)),
    Kind("visit", "Visits", "delegations.Visit", "delegations.view_visit", _visit,
         select_related=("relationship__place",)),
    Kind("report", "Reports", "reports.Report", "reports.view_report", _report,
         prefetch_related=("paragraphs",)),
)  # fmt: skip
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}
KINDS_BY_MODEL = {kind.model.lower(): kind for kind in KINDS}


# --- Keeping the entries up to date ------------------------------------------------------


def _entry_values(kind: Kind, obj: Any) -> dict[str, Any]:
    document = kind.document(obj)
    fields = [[label, value] for label, value in document.fields if value]
    text = " ".join(fold(value) for _, value in fields)
    return {
        "title": document.title[:300],
        "heading": fold(document.title)[:300],
        "summary": document.summary[:300],
        "url": document.url,
        "fields": fields,
        "text": text,
    }


def _set_vectors(entries: QuerySet) -> None:
    if connection.vendor == "postgresql":
        entries.update(vector=SearchVector("text", config="simple"))


def index_objects(kind: Kind, objects: Iterable[Any]) -> int:
    """Writes (or rewrites) the entries of these records."""
    count = 0
    for obj in objects:
        if kind.prefetch_related or kind.select_related:
            # A record as saved may lack what its document reads; fetch it as the index does.
            obj = kind.queryset().filter(pk=obj.pk).first() if not _is_fetched(kind, obj) else obj
            if obj is None:
                continue
        entry, _ = SearchEntry.objects.update_or_create(
            kind=kind.key, object_id=obj.pk, defaults=_entry_values(kind, obj)
        )
        _set_vectors(SearchEntry.objects.filter(pk=entry.pk))
        count += 1
    return count


def _is_fetched(kind: Kind, obj: Any) -> bool:
    cache = getattr(obj, "_prefetched_objects_cache", {})
    return all(name in cache for name in kind.prefetch_related)


def index_ids(kind: Kind, ids: Iterable[int]) -> None:
    ids = list(ids)
    if ids:
        index_objects(kind, kind.queryset().filter(pk__in=ids))


def rebuild(batch_size: int = 1000) -> dict[str, int]:
    """Every entry afresh; returns how many of each kind."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        for kind in KINDS:
            batch: list[SearchEntry] = []
            counts[kind.key] = 0
            for obj in kind.queryset().iterator(chunk_size=batch_size):
                batch.append(SearchEntry(kind=kind.key, object_id=obj.pk, **_entry_values(kind, obj)))
                if len(batch) >= batch_size:
                    SearchEntry.objects.bulk_create(batch)
                    counts[kind.key] += len(batch)
                    batch = []
            SearchEntry.objects.bulk_create(batch)
            counts[kind.key] += len(batch)
        _set_vectors(SearchEntry.objects.all())
    return counts


# Records whose entries show another record's words: when that one changes, so must they.
_DEPENDANTS: dict[str, list[tuple[str, str]]] = {
    "partners.place": [
        ("relationship", "place_id"),
        ("approach", "place_id"),
        ("visit", "relationship__place_id"),
    ],
    "partners.organisation": [("contact", "organisation_id"), ("approach", "via_organisation_id")],
    "partners.relationship": [("visit", "relationship_id")],
}


def _after_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    label = sender._meta.label_lower
    kind = KINDS_BY_MODEL.get(label)
    # In the saving transaction, so the entry and the record stand or fall together.
    if kind is not None:
        index_objects(kind, [instance])
    for key, lookup in _DEPENDANTS.get(label, []):
        dependant = KINDS_BY_KEY[key]
        index_ids(
            dependant,
            dependant.model_class.objects.filter(**{lookup: instance.pk}).values_list("pk", flat=True),
        )


def _after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    kind = KINDS_BY_MODEL.get(sender._meta.label_lower)
    if kind is not None:
        SearchEntry.objects.filter(kind=kind.key, object_id=instance.pk).delete()


def _after_paragraph_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    index_ids(KINDS_BY_KEY["report"], [instance.report_id])


def connect_signals() -> None:
    for kind in KINDS:
        post_save.connect(_after_save, sender=kind.model, dispatch_uid=f"search-save-{kind.key}")
        post_delete.connect(_after_delete, sender=kind.model, dispatch_uid=f"search-delete-{kind.key}")
    for model in ("reports.Paragraph",):
        post_save.connect(_after_paragraph_change, sender=model, dispatch_uid="search-paragraph-save")
        post_delete.connect(_after_paragraph_change, sender=model, dispatch_uid="search-paragraph-delete")


# --- Searching ------------------------------------------------------------------------


@dataclass
class Hit:
    title: str
    summary: str
    url: str
    because: list[tuple[str, str]]


@dataclass
class Group:
    key: str
    label: str
    total: int
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    query: str
    terms: list[str]
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


def _excerpt(value: str, terms: list[str], width: int = 120) -> str:
    """The part of a long value around the first matching word."""
    if len(value) <= width:
        return value
    folded_words = [(match.start(), fold(match.group())) for match in re.finditer(r"\S+", value)]
    start = 0
    for position, word in folded_words:
        if any(term in word for term in terms):
            start = max(0, position - width // 3)
            break
    piece = value[start : start + width].strip()
    return ("… " if start else "") + piece + (" …" if start + width < len(value) else "")


def _because(fields: list[list[str]], terms: list[str]) -> list[tuple[str, str]]:
    reasons = []
    for label, value in fields:
        folded = fold(value)
        if any(term in folded for term in terms):
            reasons.append((label, _excerpt(value, terms)))
    return reasons


def _matching(terms: list[str]) -> tuple[QuerySet, bool]:
    """Entries containing every term, and whether they are ranked."""
    contains = Q()
    for term in terms:
        contains &= Q(text__contains=term)
    if connection.vendor != "postgresql":
        # Without ranking, a match in the title comes before one elsewhere.
        in_title = Q()
        for term in terms:
            in_title &= Q(heading__contains=term)
        rank = Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField())
        return SearchEntry.objects.filter(contains).annotate(rank=rank), False
    query = SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")
    matches = Q(vector=query)
    if any(_CJK.search(term) for term in terms):
        # Words in Chinese and Japanese are not split by spaces: "西安" inside "陕西西安市".
        matches |= contains
    entries = SearchEntry.objects.filter(matches).annotate(rank=SearchRank(F("vector"), query))
    return entries, True


def search(query: str, user: Any, per_kind: int = RESULTS_PER_KIND) -> Results:
    """What the user may see that matches the query, grouped by kind, best first.

    A fixed number of queries: one for the counts, one per kind with results.
    """
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    terms = fold(query).split()[:10]
    visible = [kind for kind in KINDS if user.has_perm(kind.permission)]
    if not terms or not visible:
        return Results(query=query, terms=terms, groups=[])
    entries, _ = _matching(terms)
    entries = entries.filter(kind__in=[kind.key for kind in visible])
    totals = dict(entries.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    groups = []
    for kind in visible:
        if not totals.get(kind.key):
            continue
        rows = entries.filter(kind=kind.key).order_by("-rank", "title", "pk")[:per_kind]
        hits = [Hit(row.title, row.summary, row.url, _because(row.fields, terms)) for row in rows]
        groups.append(Group(kind.key, kind.label, totals[kind.key], hits))
    return Results(query=query, terms=terms, groups=groups)
