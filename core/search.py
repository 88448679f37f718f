"""One search across the register, each app contributing its own kinds of record.

Each searchable record has one SearchEntry holding its title, where it lives,
its searchable fields with their labels, and all their text *folded*: accents
stripped, apostrophes dropped, lower case ("Xi'an" and "XIAN" both fold to
"xian"; "Osnabrück" to "osnabruck"; "西安市" stays "西安市"). On PostgreSQL the
folded text also feeds a tsvector with a GIN index and results are ranked
with ts_rank over prefix matches (so "西安" finds "西安市"); on SQLite every
folded word must be contained in the text. Entries are kept up to date by
signals on save and delete; `manage.py rebuild_search_index` rebuilds them
all (after bulk loads, which send no signals). Each app says what it adds
(its ``search.py``, registered from its ``ready()``), so this module names no app.
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

    @classmethod
    def of(cls, record: Any, title: str, summary: Iterable[str], fields: list[tuple[str, str]]) -> Document:
        """A record's document, at its page; its summary the parts it has, with commas between."""
        return cls(title, ", ".join(filter(None, summary)), record.get_absolute_url(), fields)


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


# --- What each app contributes ----------------------------------------------------------

# In registration order, which is the order of INSTALLED_APPS: the order of the results page.
KINDS: list[Kind] = []
KINDS_BY_KEY: dict[str, Kind] = {}
KINDS_BY_MODEL: dict[str, Kind] = {}
# "app.model" of a record whose words another kind's entries show -> [(that kind's key, lookup)].
_DEPENDANTS: dict[str, list[tuple[str, str]]] = {}
# "app.model" of a part of a record (a report's paragraph) -> [(the record's kind, its id's attribute)].
_PARTS: dict[str, list[tuple[str, str]]] = {}


def register(kind: Kind, *, shows: dict[str, str] | None = None, parts: dict[str, str] | None = None) -> Kind:
    """Adds a kind of record to the search, from its app's ``ready()``.

    ``shows`` names the other records whose words this kind's entries carry,
    each with the lookup from this kind's model to that record ("a visit shows
    its place": ``{"partners.place": "relationship__place_id"}``): when one of
    them is saved, the entries that show it are written again. ``parts`` names
    the records that are parts of this one, each with the attribute holding
    this record's id (``{"reports.paragraph": "report_id"}``): saving or
    removing a part writes its record's entry again.
    """
    if kind.key in KINDS_BY_KEY:
        return KINDS_BY_KEY[kind.key]
    KINDS.append(kind)
    KINDS_BY_KEY[kind.key] = kind
    KINDS_BY_MODEL[kind.model.lower()] = kind
    # One receiver per model, whether it is a kind, shown by one, or both.
    post_save.connect(_after_save, sender=kind.model, dispatch_uid=f"search-save-{kind.model.lower()}")
    post_delete.connect(_after_delete, sender=kind.model, dispatch_uid=f"search-delete-{kind.key}")
    for model, lookup in (shows or {}).items():
        _DEPENDANTS.setdefault(model.lower(), []).append((kind.key, lookup))
        post_save.connect(_after_save, sender=model, dispatch_uid=f"search-save-{model.lower()}")
    for model, attribute in (parts or {}).items():
        _PARTS.setdefault(model.lower(), []).append((kind.key, attribute))
        for signal in (post_save, post_delete):
            signal.connect(_after_part_change, sender=model, dispatch_uid=f"search-part-{model.lower()}")
    return kind


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


def _after_part_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    for key, attribute in _PARTS.get(sender._meta.label_lower, []):
        index_ids(KINDS_BY_KEY[key], [getattr(instance, attribute)])


# --- Searching ------------------------------------------------------------------------


# First words a field's label keeps capitalised after "Matched in": languages, which are
# proper nouns ("Matched in English name"), and abbreviations (any word in capitals).
PROPER_FIRST_WORDS = frozenset({"English", "Chinese", "Japanese", "German", "Welsh", "Latin"})


def in_sentence(label: str) -> str:
    """A field's label as it reads inside a sentence: its first letter in lower case
    only where a heading capitalised it ("Local name": "local name"), never a proper
    noun's ("English name") or an abbreviation's ("RAG rating"); later words as written."""
    first, space, rest = label.partition(" ")
    if not first or first in PROPER_FIRST_WORDS or (len(first) > 1 and first.isupper()):
        return label
    return first[0].lower() + first[1:] + space + rest


@dataclass
class Hit:
    title: str
    summary: str
    url: str
    because: list[tuple[str, str]]

    @property
    def matched(self) -> list[tuple[str, str]]:
        """Why it matched, as the results page says it: ("Matched in English name", excerpt)."""
        return [(f"Matched in {in_sentence(label)}", excerpt) for label, excerpt in self.because]


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
