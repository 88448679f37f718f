"""The organisations with a part in a relationship: linked from its page and, when linked in
error, removed from it after the page has asked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import Stakeholder
from tests import factories as make
from tests.support.pages import asked_to_remove, kept_at, press, record_page, said, within

pytestmark = pytest.mark.django_db


def test_an_organisation_is_linked_to_a_relationship_and_removed_after_asking(officer_client: Client) -> None:
    relationship = make.RelationshipFactory(
        place=make.PlaceFactory(name="Osnabrück", country="Germany"), kind="economic"
    )
    make.OrganisationFactory(name="Derby College")
    url = reverse("partners:stakeholder-create", args=[relationship.pk])
    data = (
        record_page(officer_client, relationship)
        .form_posting_to(url)
        .fill({"Organisation": "Derby College", "Role": "Student exchanges"})
    )
    assert officer_client.post(url, data).status_code == 302
    page = record_page(officer_client, relationship)
    assert "Derby College: Student exchanges" in said(page.section("Organisations involved"))

    asked = asked_to_remove(
        officer_client, within(page.section("Organisations involved")), "Remove Derby College"
    )
    assert (
        asked.root.find_all("h1")[0].text
        == "Remove Derby College from the organisations involved in Osnabrück – economic?"
    )
    assert kept_at(officer_client, asked) == "Organisations involved"
    assert Stakeholder.objects.filter(relationship=relationship).exists()

    assert press(officer_client, asked, "Yes, remove it").status_code == 302
    page = record_page(officer_client, relationship)
    assert "Derby College is no longer linked to" in page.text
    assert not Stakeholder.objects.filter(relationship=relationship).exists()
