"""The visit list's people and estimate columns count each thing once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from delegations.selectors import visit_estimate, visit_list, with_cost_items
from tests.factories import CostItemFactory, ParticipantFactory, VisitFactory

pytestmark = pytest.mark.django_db


def test_estimate_is_not_multiplied_by_the_participants() -> None:
    visit = VisitFactory(title="Exploratory visit to China")
    for name in ("Ann", "Bob", "Cy", "Di"):
        ParticipantFactory(visit=visit, name=name)
    CostItemFactory(visit=visit, quantity=Decimal("4"), unit_cost=Decimal("650.00"))
    CostItemFactory(visit=visit, quantity=Decimal("16"), unit_cost=Decimal("60.00"))
    CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("440.00"))

    listed = with_cost_items(visit_list()).get(pk=visit.pk)

    assert listed.participant_count == 4
    assert visit_estimate(listed).total == Decimal("4000.00")


def test_visit_without_people_or_costs_lists_none() -> None:
    visit = VisitFactory()

    listed = with_cost_items(visit_list()).get(pk=visit.pk)

    assert listed.participant_count == 0
    assert visit_estimate(listed).total == 0


def test_list_page_shows_the_single_estimate(officer_client) -> None:
    visit = VisitFactory(title="Exploratory visit to China")
    for name in ("Ann", "Bob", "Cy", "Di"):
        ParticipantFactory(visit=visit, name=name)
    CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("4000.00"))

    html = officer_client.get(reverse("delegations:visit-list")).content.decode()

    assert "£4,000" in html
    assert "£16,000" not in html


def test_a_visit_s_estimate_is_the_same_on_its_list_its_page_and_its_place_s_page(officer_client) -> None:
    # Half a day at £12.25 is £6.125: each item is rounded to the penny (a half penny up) as its
    # page shows it.
    visit = VisitFactory(title="Half-day interpreter")
    CostItemFactory(visit=visit, quantity=Decimal("0.5"), unit_cost=Decimal("12.25"))
    pages = [
        reverse("delegations:visit-list"),
        visit.get_absolute_url(),
        visit.relationship.place.get_absolute_url(),
    ]

    for url in pages:
        html = officer_client.get(url).content.decode()
        assert "£6.13" in html, url
        assert "£6.12" not in html, url
