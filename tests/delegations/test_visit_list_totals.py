"""The visit list's people and estimate columns count each thing once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from delegations.selectors import visit_list
from tests.factories import CostItemFactory, ParticipantFactory, VisitFactory

pytestmark = pytest.mark.django_db


def test_estimate_is_not_multiplied_by_the_participants() -> None:
    visit = VisitFactory(title="Exploratory visit to China")
    for name in ("Ann", "Bob", "Cy", "Di"):
        ParticipantFactory(visit=visit, name=name)
    CostItemFactory(visit=visit, quantity=Decimal("4"), unit_cost=Decimal("650.00"))
    CostItemFactory(visit=visit, quantity=Decimal("16"), unit_cost=Decimal("60.00"))
    CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("440.00"))

    listed = visit_list().get(pk=visit.pk)

    assert listed.participant_count == 4
    assert listed.estimate == Decimal("4000.00")


def test_visit_without_people_or_costs_lists_none() -> None:
    visit = VisitFactory()

    listed = visit_list().get(pk=visit.pk)

    assert listed.participant_count == 0
    assert listed.estimate is None


def test_list_page_shows_the_single_estimate(officer_client) -> None:
    visit = VisitFactory(title="Exploratory visit to China")
    for name in ("Ann", "Bob", "Cy", "Di"):
        ParticipantFactory(visit=visit, name=name)
    CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("4000.00"))

    html = officer_client.get(reverse("delegations:visit-list")).content.decode()

    assert "£4,000" in html
    assert "£16,000" not in html
