"""Links from a record's page open the form with that record already chosen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import PlaceFactory, RelationshipFactory

pytestmark = pytest.mark.django_db


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} field"
    chosen = re.search(r'<option value="(\d+)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def test_record_an_approach_from_a_place_page_has_the_place_chosen(officer_client) -> None:
    place = PlaceFactory(name="Hefei")
    html = officer_client.get(reverse("partners:approach-create") + f"?place={place.pk}").content.decode()
    assert _selected(html, "place") == str(place.pk)


def test_plan_a_visit_from_a_relationship_page_has_the_relationship_chosen(officer_client) -> None:
    relationship = RelationshipFactory()
    html = officer_client.get(
        reverse("delegations:visit-create") + f"?relationship={relationship.pk}"
    ).content.decode()
    assert _selected(html, "relationship") == str(relationship.pk)


def test_without_a_link_nothing_is_chosen(officer_client) -> None:
    PlaceFactory()
    html = officer_client.get(reverse("partners:approach-create")).content.decode()
    assert _selected(html, "place") is None
