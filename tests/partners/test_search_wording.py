"""The search results page says where each place matched in plain English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as make
from tests.support.pages import Page

pytestmark = pytest.mark.django_db


def test_a_match_in_the_english_name_keeps_english_capitalised(officer_client):
    make.PlaceFactory(name="Hefei", local_name="合肥市", country="China")

    page = Page(officer_client.get(reverse("overview:search"), {"q": "hefei"}))

    said = page.section("Places (1)").text
    assert "Matched in English name" in said
    assert "Matched in english name" not in said


def test_a_match_in_an_ordinary_label_reads_in_lower_case_mid_sentence(officer_client):
    make.PlaceFactory(name="Hefei", local_name="合肥市", country="China")

    page = Page(officer_client.get(reverse("overview:search"), {"q": "合肥"}))

    assert "Matched in local name" in page.section("Places (1)").text
