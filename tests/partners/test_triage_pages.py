"""Scoring an approach through its pages, as an officer does."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core import roles
from partners.models import ApproachScore, TriageCriterion
from tests.factories import ApproachFactory, PlaceFactory, UserFactory
from tests.support.pages import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhejiang():
    return ApproachFactory(place=PlaceFactory(name="Zhejiang", local_name="浙江省", kind="province"))


def criterion(name: str) -> TriageCriterion:
    return TriageCriterion.objects.get(name=name)


def form_data(client, approach, **scores: tuple[str, str]) -> dict[str, str]:
    """The score form as shown, with the given criteria scored (name=(score, reason))."""
    page = client.get(reverse("partners:approach-triage", args=[approach.pk])).content.decode()
    scored_as = re.search(r'name="scored_as" value="([^"]*)"', page)
    data = {"scored_as": scored_as.group(1) if scored_as else ""}
    for name, (score, reason) in scores.items():
        pk = criterion(name.replace("_", " ")).pk
        data[f"score_{pk}"] = score
        data[f"reason_{pk}"] = reason
    return data


def test_an_officer_scores_an_approach_and_sees_the_total_and_reasons(officer_client, zhejiang):
    data = form_data(
        officer_client,
        zhejiang,
        Economic_similarity=("4", "Automotive and advanced manufacturing, as in Derby."),
        Strategic_fit=("3", "Fits the international strategy."),
    )

    response = officer_client.post(reverse("partners:approach-triage", args=[zhejiang.pk]), data, follow=True)

    page = Page(response)
    assert "The scores of the Approach from Zhejiang" in page.text
    section = page.section("Triage against the council's criteria")
    assert "Total 18 of 55 (33%) – 2 of 5 criteria scored so far" in section.text
    assert "Automotive and advanced manufacturing, as in Derby." in section.text
    assert "Olivia Officer" in section.text


def test_the_score_form_labels_each_criterion_with_its_weight_and_question(officer_client, zhejiang):
    page = Page(officer_client.get(reverse("partners:approach-triage", args=[zhejiang.pk])))

    control = page.control("Economic similarity (weight 3)")
    assert control.tag == "select"
    assert "How far do its economy and sectors match ours" in page.text
    assert page.control("Reason for the economic similarity score").tag == "textarea"


def test_a_score_without_a_reason_is_refused_beside_the_field_and_nothing_is_saved(officer_client, zhejiang):
    data = form_data(officer_client, zhejiang, Strategic_fit=("3", "Fits."), External_funding=("5", "   "))

    response = officer_client.post(reverse("partners:approach-triage", args=[zhejiang.pk]), data)

    assert response.status_code == 200
    page = Page(response)
    assert "Give the reason for this score." in page.text
    assert "There is a problem" in page.text
    assert not ApproachScore.objects.exists()


@pytest.mark.parametrize("score", ["6", "-1", "five", "3.5", "99999999999999999999"])
def test_a_score_outside_0_to_5_is_refused(officer_client, zhejiang, score):
    data = form_data(officer_client, zhejiang, Strategic_fit=(score, "Fits."))

    response = officer_client.post(reverse("partners:approach-triage", args=[zhejiang.pk]), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ApproachScore.objects.exists()


def test_a_colleagues_scoring_in_between_is_not_overwritten_unseen(officer_client, zhejiang):
    mine = form_data(officer_client, zhejiang, Strategic_fit=("1", "Weak fit, in my view."))
    colleague = UserFactory(username="omar", first_name="Omar", roles=[roles.OFFICER])
    from django.test import Client

    theirs_client = Client()
    theirs_client.force_login(colleague)
    theirs = form_data(theirs_client, zhejiang, Strategic_fit=("5", "Strong fit: the Leader's priority."))
    assert (
        theirs_client.post(reverse("partners:approach-triage", args=[zhejiang.pk]), theirs).status_code == 302
    )

    response = officer_client.post(reverse("partners:approach-triage", args=[zhejiang.pk]), mine)

    assert response.status_code == 200
    body = Page(response).text
    assert "Someone else scored this approach while you had this page open" in body
    assert "Weak fit, in my view." in body, "the typing is kept"
    row = ApproachScore.objects.get()
    assert (row.score, row.scored_by) == (5, colleague)
    # Saving again, now knowingly, replaces it.
    again = officer_client.post(
        reverse("partners:approach-triage", args=[zhejiang.pk]),
        {
            **mine,
            "scored_as": re.search(r'name="scored_as" value="([^"]*)"', response.content.decode()).group(1),
        },
    )
    assert again.status_code == 302
    assert ApproachScore.objects.get().score == 1


def test_the_list_shows_each_total_and_ranks_by_it(officer_client, officer, zhejiang):
    from partners.services import ScoreGiven, approach_score

    hefei = ApproachFactory(place=PlaceFactory(name="Hefei", local_name="合肥市"))
    ApproachFactory(place=PlaceFactory(name="Osaka", local_name="大阪市", country="Japan"))
    approach_score(approach=zhejiang, scores=[ScoreGiven(criterion("Strategic fit"), 2, "Some.")], by=officer)
    approach_score(
        approach=hefei, scores=[ScoreGiven(criterion("Economic similarity"), 5, "Rail.")], by=officer
    )

    page = Page(officer_client.get(reverse("partners:approach-list"), {"ordering": "-triage"}))

    assert [name.split(" ")[0] for name in page.column("Place")] == ["Hefei", "Zhejiang", "Osaka"]
    assert page.column("Triage score") == ["15 of 55", "4 of 55", "Not scored"]


def test_only_officers_may_score(finance_client, leader_client, zhejiang):
    for client in (finance_client, leader_client):
        url = reverse("partners:approach-triage", args=[zhejiang.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    assert not ApproachScore.objects.exists()
