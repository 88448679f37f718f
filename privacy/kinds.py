"""The register's personal records, kind by kind: which fields identify a person, the date
retention counts from, and how each kind is listed, found and erased.

An erasure replaces the identifying fields, in the record and in every history row of it,
and keeps the rest (a participant's role, a gift's value, a contact's organisation): the
register's counts and costs stay true. A sign-in record is nothing but a person's trace, so
erasing one deletes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate

from core.models import SignInEvent
from delegations.models import Gift, Participant, Visit
from partners.models import Contact

from .models import PersonalKind


@dataclass(frozen=True)
class Kind:
    key: str
    model: type[models.Model]
    # The fields an erasure replaces: the first takes the erasure's marker, the rest are emptied.
    identity: tuple[str, ...]
    counted_from: str  # in words, for the schedule
    # The records of this kind that have a person's details, each with the date retention counts from.
    dated: Callable[[], models.QuerySet]
    label: Callable[[Any], str]
    # Fields a subject access search matches a name against.
    named_in: tuple[str, ...] = ()
    # What its label reads beyond the record, fetched with it.
    related: tuple[str, ...] = ()
    delete_on_erasure: bool = False
    # For a record removed from the register, whose history still names the person: the date
    # retention counts from, read from its last history row (the removal).
    removed_counted_from: Callable[[], Any] | None = None

    @property
    def title(self) -> str:
        return PersonalKind(self.key).label

    def due(self, today: date, months: int) -> models.QuerySet:
        """Records whose date is ``months`` or more before ``today``."""
        return self.dated().filter(counted_from__lte=latest_due(today, months))

    def removed(self) -> models.QuerySet:
        """Records removed from the register (a participant taken off a visit) whose history
        still names the person: each one's removal row, as it stood when removed."""
        if self.removed_counted_from is None:
            return self.model.objects.none()
        return (
            self.model.history.filter(history_type="-")
            .exclude(id__in=self.model.objects.values("pk"))
            .exclude(**{f"{self.identity[0]}__startswith": "Erased ("})
            .select_related(*self.related)
            .annotate(counted_from=self.removed_counted_from())
        )

    def removed_due(self, today: date, months: int) -> models.QuerySet:
        if self.removed_counted_from is None:
            return self.model.objects.none()
        return self.removed().filter(counted_from__lte=latest_due(today, months))

    def record_or_removed(self, pk: int, *, lock: bool = False) -> Any:
        """The record, or, once removed, its removal row; None if neither is kept. ``lock``
        holds the row for the caller's transaction (two people erasing at once)."""
        records = self.model.objects.select_for_update() if lock else self.model.objects
        record = records.filter(pk=pk).first()
        if record is None and self.removed_counted_from is not None:
            removals = self.model.history.filter(id=pk, history_type="-").order_by("-history_date")
            record = (removals.select_for_update() if lock else removals).first()
        return record

    def marker(self, reference: str) -> str:
        return f"Erased ({reference})"


def is_removal(record: Any) -> bool:
    """Whether ``record`` is the history row of a record removed from the register."""
    return getattr(record, "history_type", "") == "-"


def latest_due(today: date, months: int) -> date:
    """The last date counted from that is due by ``today``: due on the date ``months`` after it,
    as the list says (31 August and 18 months: due 28 February, not 1 March)."""
    cutoff = today - relativedelta(months=months)
    if (today + timedelta(days=1)).day == 1:  # the month's last day: every later day of that month too
        cutoff += relativedelta(day=31)
    return cutoff


def _history_day(model: type[models.Model], which: type[Max] | type[Min]) -> TruncDate:
    """The day of a record's last (Max) or first (Min) history row, for each row of a query."""
    rows = (
        model.history.model.objects.filter(id=OuterRef("pk"))
        .values("id")
        .annotate(moment=which("history_date"))
        .values("moment")
    )
    return TruncDate(Subquery(rows))


def _contacts() -> models.QuerySet:
    return (
        Contact.objects.select_related("organisation")
        .exclude(name__startswith="Erased (")
        .annotate(counted_from=_history_day(Contact, Max))
    )


def _participants() -> models.QuerySet:
    """A participant counts from the end of the visit, or its start, or, for a visit whose dates
    were never recorded, from when the participant was."""
    return (
        Participant.objects.select_related("visit")
        .exclude(name__startswith="Erased (")
        .annotate(counted_from=Coalesce("visit__ends_on", "visit__starts_on", _history_day(Participant, Min)))
    )


def _removed_participant_counted_from() -> Coalesce:
    """A removed participant counts from the end of the visit, as one still on it does, or its
    start, or the day they were taken off it."""
    visit = Visit.objects.filter(pk=OuterRef("visit_id"))
    return Coalesce(
        Subquery(visit.values("ends_on")), Subquery(visit.values("starts_on")), TruncDate("history_date")
    )


def _contact_label(contact: Contact) -> str:
    who = contact.name or contact.job_title
    return f"{who}, {contact.organisation}" if contact.organisation_id else who


KINDS: dict[str, Kind] = {
    PersonalKind.CONTACT: Kind(
        key=PersonalKind.CONTACT,
        model=Contact,
        identity=("name", "email", "phone", "notes"),
        counted_from="the last change to the contact",
        dated=_contacts,
        label=_contact_label,
        related=("organisation",),
        # A contact known only by their post is named by it.
        named_in=("name", "job_title", "email", "phone", "notes"),
        # Its removal is its last change.
        removed_counted_from=lambda: TruncDate("history_date"),
    ),
    PersonalKind.PARTICIPANT: Kind(
        key=PersonalKind.PARTICIPANT,
        model=Participant,
        identity=("name",),
        counted_from="the end of the visit (its start, or when they were recorded, if it has no end date)",
        dated=_participants,
        label=lambda participant: f"{participant.name}, {participant.visit.title}",
        related=("visit",),
        named_in=("name",),
        removed_counted_from=_removed_participant_counted_from,
    ),
    PersonalKind.GIFT_GIVER: Kind(
        key=PersonalKind.GIFT_GIVER,
        model=Gift,
        identity=("counterparty", "notes"),
        counted_from="the date of the gift",
        dated=lambda: (
            Gift.objects.exclude(counterparty="")
            .exclude(counterparty__startswith="Erased (")
            .annotate(counted_from=F("on"))
        ),
        label=lambda gift: f"{gift.counterparty}: {gift.description}",
        named_in=("counterparty", "notes"),
        removed_counted_from=lambda: F("on"),
    ),
    PersonalKind.SIGN_IN: Kind(
        key=PersonalKind.SIGN_IN,
        model=SignInEvent,
        identity=("username", "ip_address", "detail"),
        counted_from="the sign-in",
        dated=lambda: SignInEvent.objects.select_related("user").annotate(counted_from=TruncDate("at")),
        label=lambda event: f"{event.get_kind_display()}: {event.user or event.username or 'someone'}",
        delete_on_erasure=True,
    ),
}


def _naming(kind: Kind, name: str, email: str) -> Q:
    """Rows whose fields name the person (by e-mail too, where the kind keeps one)."""
    found = Q()
    for field_name in kind.named_in:
        found |= Q(**{f"{field_name}__icontains": name})
    if email and "email" in kind.named_in:
        found |= Q(email__iexact=email)
    return found


def matching(kind: Kind, name: str, email: str = "") -> models.QuerySet:
    """The records of ``kind`` naming the person."""
    if not kind.named_in:
        return kind.model.objects.none()
    return kind.model.objects.select_related(*kind.related).filter(_naming(kind, name, email))


def history_matching(kind: Kind, name: str, email: str = "") -> models.QuerySet:
    """History rows of ``kind`` that named the person, though the record may have changed since."""
    if not kind.named_in or not hasattr(kind.model, "history"):
        return kind.model.objects.none()
    return kind.model.history.filter(_naming(kind, name, email)).select_related("history_user")


def all_kinds() -> Iterable[Kind]:
    return KINDS.values()
