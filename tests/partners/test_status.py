"""A relationship's status moves only along allowed transitions, each recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from partners.models import Relationship, RelationshipStatusChange
from tests.factories import RelationshipFactory
from tests.support.pages import Page

LABELS = {
    "approach_received": "Approach received",
    "exploring": "Exploring",
    "proposed": "Proposed",
    "active": "Active",
    "dormant": "Dormant",
    "ended": "Ended",
}
# The council's rules, written out here rather than read from the app, so a
# change to the app's table shows up as a failing test.
ALLOWED = {
    "approach_received": ["exploring", "proposed", "ended"],
    "exploring": ["proposed", "ended"],
    "proposed": ["exploring", "active", "ended"],
    "active": ["dormant", "ended"],
    "dormant": ["active", "ended"],
    "ended": [],
}
MOVES = [(a, b) for a in ALLOWED for b in ALLOWED[a]]
FORBIDDEN = [(a, b) for a in ALLOWED for b in LABELS if b not in ALLOWED[a]]


def move(client: Client, relationship: Relationship, to_status: str, note: str = "") -> Any:
    return client.post(
        reverse("partners:relationship-status", args=[relationship.pk]),
        {"to_status": to_status, "note": note, "version": relationship.version},
    )


@pytest.mark.parametrize(("from_status", "to_status"), MOVES, ids=[f"{a}->{b}" for a, b in MOVES])
def test_allowed_move_is_made_and_recorded(
    officer_client: Client, officer: Any, from_status: str, to_status: str
) -> None:
    relationship = RelationshipFactory(status=from_status)
    started = timezone.now()

    response = move(officer_client, relationship, to_status, note="Cabinet 9 September 2015")

    assert response.status_code == 302
    assert response["Location"] == relationship.get_absolute_url()
    relationship.refresh_from_db()
    assert relationship.status == to_status
    change = relationship.status_changes.latest()
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        from_status,
        to_status,
        officer,
        "Cabinet 9 September 2015",
    )
    assert started - timedelta(seconds=1) <= change.changed_at <= timezone.now()

    page = Page(officer_client.get(relationship.get_absolute_url()))
    assert f"Status {LABELS[to_status]} Co-signing councils" in page.text
    history = page.section("Status history").text
    when = date_format(timezone.localtime(change.changed_at), "j F Y, H:i")
    assert f"{when} {LABELS[from_status]} → {LABELS[to_status]} Olivia Officer Cabinet 9 September 2015" in (
        history
    )
    assert f"is now {LABELS[to_status]}" in page.text


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_forbidden_move_is_refused(officer_client: Client, from_status: str, to_status: str) -> None:
    relationship = RelationshipFactory(status=from_status)
    version = relationship.version

    response = move(officer_client, relationship, to_status)

    assert response.status_code == 400
    relationship.refresh_from_db()
    assert relationship.status == from_status
    assert relationship.status_changes.count() == 1
    assert relationship.version == version


@pytest.mark.parametrize("status", [s for s in ALLOWED if ALLOWED[s]])
def test_status_form_offers_only_the_allowed_moves(officer_client: Client, status: str) -> None:
    relationship = RelationshipFactory(status=status)
    page = Page(officer_client.get(relationship.get_absolute_url()))
    assert page.options("New status") == [LABELS[s] for s in LABELS if s in ALLOWED[status]]


def test_ended_is_final_and_offers_no_status_change(officer_client: Client) -> None:
    relationship = RelationshipFactory(status="ended")
    page = Page(officer_client.get(relationship.get_absolute_url()))
    assert "New status" not in page.labels()
    assert "Change status" not in page.text


def test_readers_are_not_offered_a_status_change(finance_client: Client) -> None:
    relationship = RelationshipFactory(status="active")
    page = Page(finance_client.get(relationship.get_absolute_url()))
    assert "New status" not in page.labels()


def test_a_relationship_walks_its_life_and_every_step_is_kept(officer_client: Client, officer: Any) -> None:
    relationship = RelationshipFactory(status="approach_received")
    for to_status in ("exploring", "proposed", "active", "dormant", "active", "ended"):
        relationship.refresh_from_db()
        assert move(officer_client, relationship, to_status).status_code == 302
    moves = list(
        RelationshipStatusChange.objects.filter(relationship=relationship).values_list(
            "from_status", "to_status"
        )
    )
    assert moves == [
        ("", "approach_received"),
        ("approach_received", "exploring"),
        ("exploring", "proposed"),
        ("proposed", "active"),
        ("active", "dormant"),
        ("dormant", "active"),
        ("active", "ended"),
    ]
    relationship.refresh_from_db()
    assert move(officer_client, relationship, "active").status_code == 400
