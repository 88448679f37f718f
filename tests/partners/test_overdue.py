"""What is overdue says so wherever it is shown; what is closed or not yet due does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActionFactory, ApproachFactory, PlaceFactory, RelationshipFactory
from tests.support.pages import Page


@pytest.fixture
def late(db: Any) -> dict[str, Any]:
    today = timezone.localdate()
    place = PlaceFactory(name="Xi'an", local_name="西安市")
    relationship = RelationshipFactory(place=place)
    return {
        "place": place,
        "relationship": relationship,
        "late_approach": ApproachFactory(
            place=place, relationship=relationship, respond_by=today - timedelta(days=1), request="Late one"
        ),
        "answered_approach": ApproachFactory(
            place=place,
            relationship=relationship,
            respond_by=today - timedelta(days=5),
            outcome="declined",
            request="Answered one",
        ),
        "due_today": ApproachFactory(
            place=place, relationship=relationship, respond_by=today, request="Today"
        ),
        "late_action": ActionFactory(
            relationship=relationship, title="Write to the Mayor", due_on=today - timedelta(days=2)
        ),
        "done_action": ActionFactory(
            relationship=relationship, title="Book the hall", due_on=today - timedelta(days=2), status="done"
        ),
    }


def test_overdue_approach_is_flagged_on_its_page(leader_client: Client, late: dict[str, Any]) -> None:
    assert "(overdue)" in Page(leader_client.get(late["late_approach"].get_absolute_url())).text
    assert "(overdue)" not in Page(leader_client.get(late["answered_approach"].get_absolute_url())).text
    assert "(overdue)" not in Page(leader_client.get(late["due_today"].get_absolute_url())).text


def test_overdue_things_are_flagged_on_the_place_page(leader_client: Client, late: dict[str, Any]) -> None:
    page = Page(leader_client.get(late["place"].get_absolute_url()))
    approaches = [li.text for li in page.section("Approaches").find_all("li")]
    flagged = [text for text in approaches if "(overdue)" in text]
    assert len(flagged) == 1
    assert "Late one" in flagged[0]
    actions = {li.text.split(" – ")[0]: li.text for li in page.section("Actions").find_all("li")}
    assert "(overdue)" in actions["Write to the Mayor"]
    assert "(overdue)" not in actions["Book the hall"]


def test_overdue_things_are_flagged_on_the_dashboard(officer_client: Client, late: dict[str, Any]) -> None:
    page = Page(officer_client.get(reverse("overview:dashboard")))
    waiting = [li.text for li in page.section("Approaches awaiting a response").find_all("li")]
    assert sum("(overdue by " in text for text in waiting) == 1
    assert not any("Answered" in text for text in waiting)
    actions = [li.text for li in page.section("Open actions").find_all("li")]
    assert any("Write to the Mayor" in text and "(overdue)" in text for text in actions)
    assert not any("Book the hall" in text for text in actions)


def test_actions_list_open_first_soonest_due_and_undated_last(leader_client: Client) -> None:
    today = timezone.localdate()
    ActionFactory(title="Done long ago", due_on=today - timedelta(days=90), status="done")
    ActionFactory(title="No date", due_on=None)
    ActionFactory(title="Next week", due_on=today + timedelta(days=7))
    ActionFactory(title="Yesterday", due_on=today - timedelta(days=1), status="in_progress")
    ActionFactory(title="Cancelled", due_on=today - timedelta(days=3), status="cancelled")

    titles = Page(leader_client.get(reverse("partners:action-list"))).column("Action")

    assert titles[:3] == ["Yesterday", "Next week", "No date"]
    assert sorted(titles[3:]) == ["Cancelled", "Done long ago"]
