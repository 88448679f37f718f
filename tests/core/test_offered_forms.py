"""A record page offers a form adding a part (a meeting, a follow-up, an organisation) or
moving its status only to those whose role lets them send it: ``{% part_form %}`` and
``{% decision_form %}`` read what the form's own view requires (core/links.py ``may_send``),
so the page and the view cannot disagree."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse, set_script_prefix

from core.links import may_send
from delegations.models import VisitStatus
from tests.factories import RelationshipFactory, UserFactory, VisitFactory
from tests.support.pages import Page, record_page
from tests.support.register import client_for


def person_with(*permissions: str) -> Any:
    user = UserFactory()
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def headings(page: Page, section: str) -> list[str]:
    return [node.text for node in page.section(section).find_all("h3")]


@pytest.mark.django_db
def test_the_follow_up_form_is_offered_only_with_both_permissions_its_view_requires() -> None:
    visit = VisitFactory(title="Exploratory visit to China")
    only_the_link = person_with("delegations.view_visit", "delegations.add_visitfollowup")
    url = reverse("delegations:follow-up-add", args=[visit.pk])

    page = record_page(client_for(only_the_link), visit)
    assert headings(page, "Follow-up actions") == []
    assert page.root.find_all("form", action=url) == []
    assert not may_send(only_the_link, url)

    both = person_with("delegations.view_visit", "delegations.add_visitfollowup", "partners.add_action")
    page = record_page(client_for(both), visit)
    assert headings(page, "Follow-up actions") == ["Add a follow-up action"]
    assert page.form_posting_to(url).labels() == ["Title", "Description", "Owner", "Due"]
    assert may_send(both, url)


@pytest.mark.django_db
def test_the_meeting_and_stakeholder_forms_follow_their_views(officer: Any, leader: Any) -> None:
    visit = VisitFactory()
    relationship = RelationshipFactory()

    for person, offered in ((officer, True), (leader, False)):
        client = client_for(person)
        assert (headings(record_page(client, visit), "Meetings") == ["Record a meeting"]) is offered
        assert (
            headings(record_page(client, relationship), "Organisations involved") == ["Link an organisation"]
        ) is offered
        for url in (
            reverse("delegations:meeting-add", args=[visit.pk]),
            reverse("partners:stakeholder-create", args=[relationship.pk]),
        ):
            assert may_send(person, url) is offered


@pytest.mark.django_db
def test_a_page_no_role_guards_is_open_to_anyone(outsider: Any) -> None:
    assert may_send(outsider, reverse("login"))
    assert not may_send(outsider, reverse("delegations:visit-list"))


@pytest.mark.django_db
def test_a_status_move_is_offered_while_the_record_is_open_to_one(officer: Any, leader: Any) -> None:
    visit = VisitFactory(status=VisitStatus.PROPOSED)
    url = reverse("delegations:visit-status", args=[visit.pk])

    page = record_page(client_for(officer), visit)
    assert page.form_posting_to(url).options("New status") == ["Confirmed", "Cancelled"]
    # The Leader's Office reads visits and moves none.
    assert "Change status" not in record_page(client_for(leader), visit).text

    visit.status = VisitStatus.CANCELLED
    visit.save()
    # Cancelled is final: the move is no longer offered, even to an officer.
    page = record_page(client_for(officer), visit)
    assert page.root.find_all("form", action=url) == []
    assert "Change status" not in page.text


@pytest.mark.django_db
def test_the_check_reads_the_view_under_a_script_prefix(officer: Any, leader: Any) -> None:
    """Deployed below a path (SCRIPT_NAME), ``reverse()`` gives addresses under it."""
    visit = VisitFactory()
    set_script_prefix("/twinning/")
    try:
        url = reverse("delegations:meeting-add", args=[visit.pk])
        assert url.startswith("/twinning/delegations/")
        assert may_send(officer, url)
        assert not may_send(leader, url)
    finally:
        set_script_prefix("/")
