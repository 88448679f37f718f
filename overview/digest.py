"""The daily digest: one email a day to each person of what needs them.

Never empty (nothing to say, nothing sent), never twice for one day (a
DigestSent row is written in the same transaction as the send, under a unique
index), and never to someone who turned it off or has no email address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from budgets.models import LineStatus
from budgets.selectors import budget_line_list
from delegations.selectors import outstanding_gifts
from partners.models import Action, Approach, Relationship, RelationshipStatus
from partners.selectors import OPEN_ACTION_STATUSES, OPEN_APPROACH_OUTCOMES
from reports.document import local_names

from .models import DigestSent, UserSettings

logger = logging.getLogger(__name__)

DUE_WITHIN_DAYS = 7
ITEMS_PER_SECTION = 20


@dataclass
class Item:
    text: str
    url: str


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)
    more: int = 0


@dataclass
class Digest:
    user: Any
    day: date
    sections: list[Section]

    @property
    def count(self) -> int:
        return sum(len(section.items) + section.more for section in self.sections)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _section(title: str, queryset: Any, describe: Any) -> Section | None:
    rows = list(queryset[: ITEMS_PER_SECTION + 1])
    if not rows:
        return None
    shown = rows[:ITEMS_PER_SECTION]
    more = queryset.count() - len(shown) if len(rows) > ITEMS_PER_SECTION else 0
    return Section(title, [Item(describe(row), _absolute(row.get_absolute_url())) for row in shown], more)


def _when(day: date, today: date) -> str:
    days = (day - today).days
    if days < 0:
        return f"overdue since {day:%-d %B %Y}"
    if days == 0:
        return "due today"
    return f"due {day:%-d %B %Y} (in {days} day{'s' if days != 1 else ''})"


def digest_for(user: Any, day: date) -> Digest:
    """What needs this user on this day, by what their role lets them act on."""
    soon = day + timedelta(days=DUE_WITHIN_DAYS)
    sections: list[Section | None] = []
    if user.has_perm("partners.change_approach"):
        sections.append(
            _section(
                "Approaches to answer",
                Approach.objects.filter(outcome__in=OPEN_APPROACH_OUTCOMES, respond_by__lte=soon)
                .select_related("place")
                .order_by("respond_by", "pk"),
                lambda a: f"{a.place}: response {_when(a.respond_by, day)}",
            )
        )
    sections.append(
        _section(
            "Your overdue actions",
            Action.objects.filter(owner=user, status__in=OPEN_ACTION_STATUSES, due_on__lt=day)
            .select_related("relationship__place")
            .order_by("due_on", "pk"),
            lambda a: f"{a.title}: {_when(a.due_on, day)}",
        )
    )
    if user.has_perm("partners.change_relationship"):
        mine_or_nobodys = Q(lead_officer=user) | Q(lead_officer__isnull=True)
        sections.append(
            _section(
                "Relationship reviews due",
                Relationship.objects.exclude(status=RelationshipStatus.ENDED)
                .filter(mine_or_nobodys, next_review_on__lte=soon)
                .select_related("place")
                .order_by("next_review_on", "pk"),
                lambda r: f"{r}: review {_when(r.next_review_on, day)}",
            )
        )
    if user.has_perm("delegations.change_gift"):
        sections.append(
            _section(
                "Gifts to declare",
                outstanding_gifts(),
                lambda g: f"{g.description} ({g.value:,.2f} GBP), received {g.on:%-d %B %Y}",
            )
        )
    if user.has_perm("budgets.decide_budgetline"):
        sections.append(
            _section(
                "Budget lines awaiting your decision",
                budget_line_list()
                .filter(status=LineStatus.PROPOSED)
                .order_by(F("financial_year__start_year"), "pk"),
                lambda line: f"{line.title}: {line.amount:,.2f} GBP for {line.financial_year.label}",
            )
        )
    return Digest(user, day, [section for section in sections if section is not None])


def wants_digest(user: Any) -> bool:
    choice = UserSettings.objects.filter(user=user).values_list("daily_digest", flat=True).first()
    return choice is None or choice


def digest_subject(count: int) -> str:
    """The email's subject: "1 thing needs you today", "3 things need you today"."""
    return (
        f"Twinning: {count} thing needs you today"
        if count == 1
        else f"Twinning: {count} things need you today"
    )


def send_digest(user: Any, day: date) -> bool:
    """Sends the user's digest for the day unless sent, empty or unwanted; True if sent."""
    if not user.is_active or not user.email or not wants_digest(user):
        return False
    digest = digest_for(user, day)
    if not digest.sections:
        return False
    context = {
        "digest": digest,
        "user": user,
        "council_name": settings.COUNCIL_NAME,
        "settings_url": _absolute(reverse("overview:digest-settings")),
        "local_names": local_names(),  # a place's name in local script marked with its language
    }
    message = EmailMultiAlternatives(
        subject=digest_subject(digest.count),
        body=render_to_string("overview/email/digest.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("overview/email/digest.html", context), "text/html")
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, day=day, items=digest.count)
            # Inside the transaction: if sending fails the record goes too, and a later run tries again.
            message.send()
    except IntegrityError:
        return False  # already sent today, by this run or another
    return True


def send_daily_digests(day: date | None = None) -> dict[str, int]:
    """Everyone's digest for the day; what happened, for the worker's log."""
    day = day or timezone.localdate()
    outcome = {"sent": 0, "skipped": 0, "failed": 0}
    already = set(DigestSent.objects.filter(day=day).values_list("user_id", flat=True))
    people = get_user_model().objects.filter(is_active=True).exclude(email="").exclude(pk__in=already)
    for user in people.order_by("pk").iterator():
        try:
            sent = send_digest(user, day)
        except Exception:
            logger.exception("The digest for user %s could not be sent", user.pk)
            outcome["failed"] += 1
            continue
        outcome["sent" if sent else "skipped"] += 1
    return outcome
