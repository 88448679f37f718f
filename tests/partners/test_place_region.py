"""A place's region or province: Chengdu is in Sichuan, Hefei in Anhui."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.search import search
from demo.register import load_demo
from partners.models import Place
from tests import factories as make
from tests.support.pages import Page, open_form, open_list, record_page
from tests.support.reports import render_each_html_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def chengdu(db: Any) -> Place:
    return make.PlaceFactory(name="Chengdu", local_name="成都市", country="China", region="Sichuan")


def test_the_place_page_says_which_province_it_is_in(leader_client: Client, chengdu: Place) -> None:
    page = record_page(leader_client, chengdu)

    assert "Region or province Sichuan" in page.text


def test_a_place_without_one_says_it_is_not_recorded(leader_client: Client) -> None:
    zhejiang = make.PlaceFactory(name="Zhejiang", local_name="浙江省", country="China", kind="province")

    assert "Region or province Not recorded" in record_page(leader_client, zhejiang).text


def test_the_list_shows_and_filters_by_it(leader_client: Client, chengdu: Place) -> None:
    make.PlaceFactory(name="Hefei", local_name="合肥市", country="China", region="Anhui")

    everything = open_list(leader_client, reverse("partners:place-list"))
    assert dict(zip(everything.column("Place"), everything.column("Region or province"), strict=True)) == {
        "Chengdu": "Sichuan",
        "Hefei": "Anhui",
    }
    narrowed = open_list(leader_client, reverse("partners:place-list"), Region_or_province="sichuan")
    assert narrowed.column("Place") == ["Chengdu"]


def test_an_officer_gives_a_place_its_province(officer_client: Client) -> None:
    hefei = make.PlaceFactory(name="Hefei", local_name="合肥市", country="China")
    url = reverse("partners:place-update", args=[hefei.pk])
    form = open_form(officer_client, url, "Region or province")

    response = officer_client.post(url, {**form, "region": "Anhui"})

    assert response.status_code == 302
    hefei.refresh_from_db()
    assert hefei.region == "Anhui"


def test_a_new_place_is_added_with_its_province(officer_client: Client) -> None:
    url = reverse("partners:place-create")
    form = open_form(officer_client, url, "Region or province")

    officer_client.post(
        url, {**form, "name": "Chengdu", "country": "China", "kind": "city", "region": "Sichuan"}
    )

    assert Place.objects.get(name="Chengdu").region == "Sichuan"


def test_searching_for_the_province_finds_its_places(
    officer: Any, officer_client: Client, chengdu: Place
) -> None:
    make.PlaceFactory(name="Hefei", local_name="合肥市", country="China", region="Anhui")

    (places,) = search("Sichuan", officer).groups
    assert [hit.title for hit in places.hits] == ["Chengdu (成都市)"]

    page = Page(officer_client.get(reverse("overview:search"), {"q": "sichuan"}))
    found = page.section("Places (1)").text
    assert "Matched in region or province" in found
    assert "City, Sichuan, China" in found


def test_a_place_edited_to_a_province_is_found_by_it_from_then_on(
    officer: Any, officer_client: Client
) -> None:
    xian = make.PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    assert search("Shaanxi", officer).groups == []
    url = reverse("partners:place-update", args=[xian.pk])

    officer_client.post(url, {**open_form(officer_client, url, "Region or province"), "region": "Shaanxi"})

    assert [hit.title for group in search("Shaanxi", officer).groups for hit in group.hits] == [
        "Xi'an (西安市)"
    ]


def test_an_approach_from_a_new_place_records_its_province(officer_client: Client) -> None:
    url = reverse("partners:approach-create")
    form = open_form(officer_client, url, "Region or province")

    response = officer_client.post(
        url,
        {
            **form,
            "new_place_name": "Chengdu",
            "new_place_country": "China",
            "new_place_region": "Sichuan",
            "request": "Asks for a trade visit.",
        },
    )

    assert response.status_code == 302
    assert Place.objects.get(name="Chengdu").region == "Sichuan"


def test_two_places_of_one_name_in_one_country_are_told_apart_by_their_provinces(
    officer_client: Client,
) -> None:
    make.PlaceFactory(name="Suzhou", local_name="苏州市", country="China", region="Jiangsu")
    url = reverse("partners:place-create")
    form = open_form(officer_client, url, "Region or province")
    anhui = {**form, "name": "Suzhou", "local_name": "宿州市", "country": "China", "kind": "city"}

    # The same name and country with no province reads as the same place: refused, saying why.
    refused = Page(officer_client.post(url, {**anhui, "region": "jiangsu"}))
    assert "already in the register for this country and region" in refused.text
    assert Place.objects.filter(name="Suzhou").count() == 1

    # In another province it is another place.
    assert officer_client.post(url, {**anhui, "region": "Anhui"}).status_code == 302
    assert sorted(Place.objects.filter(name="Suzhou").values_list("region", flat=True)) == [
        "Anhui",
        "Jiangsu",
    ]


def test_an_approach_from_a_place_of_the_same_name_in_another_province_adds_it(
    officer_client: Client,
) -> None:
    jiangsu = make.PlaceFactory(name="Suzhou", country="China", region="Jiangsu")
    url = reverse("partners:approach-create")
    form = open_form(officer_client, url, "Region or province")
    typed = {**form, "new_place_name": "Suzhou", "new_place_country": "China", "request": "Asks for a visit."}

    same = Page(officer_client.post(url, {**typed, "new_place_region": "Jiangsu"}))
    assert same.field_error("English name").startswith(f"{jiangsu} is already in the register")

    assert officer_client.post(url, {**typed, "new_place_region": "Anhui"}).status_code == 302
    assert Place.objects.filter(name="Suzhou", region="Anhui").exists()


def test_the_demo_places_carry_their_provinces(monkeypatch: Any, settings: Any) -> None:
    render_each_html_once(monkeypatch, {})
    load_demo(with_users=False, password="demo-pass-for-tests")

    assert dict(Place.objects.values_list("name", "region")) == {
        "Osnabrück": "Lower Saxony",
        "Toyota City": "Aichi",
        "Xi'an": "Shaanxi",
        "Hefei": "Anhui",
        "Zhejiang": "",
    }


def test_a_place_printed_on_any_page_marks_its_local_name_with_its_language(leader_client: Client) -> None:
    toyota = make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    relationship = make.RelationshipFactory(place=toyota)
    visit = make.VisitFactory(relationship=relationship)

    for url in (relationship.get_absolute_url(), visit.get_absolute_url()):
        html = leader_client.get(url).content.decode()
        assert 'Toyota City (<span lang="ja">豊田市</span>)' in html, url
