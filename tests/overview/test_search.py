"""The one search across the register: what it finds, for whom, and why."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from core import roles
from core.models import SearchEntry
from core.search import fold, search
from partners.models import Place
from tests import factories as make
from tests.support.queries import assert_work_does_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def xian(db):
    return make.PlaceFactory(
        name="Xi'an", local_name="西安市", country="China", notes="Capital of Shaanxi province."
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Xi'an", "xian"),
        ("XI’AN", "xian"),
        ("Osnabrück", "osnabruck"),
        ("西安市", "西安市"),
        ("Toyota-City, (Aichi)", "toyota city aichi"),
        ("  ", ""),
    ],
)
def test_fold_compares_text_without_accents_apostrophes_or_case(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("query", ["xian", "Xi'an", "XIAN", "西安", "西安市", "xi'a"])
def test_xian_is_found_however_it_is_written(officer, xian, query):
    results = search(query, officer)

    places = {group.key: group for group in results.groups}["place"]
    assert [hit.title for hit in places.hits] == ["Xi'an (西安市)"]
    assert places.hits[0].url == xian.get_absolute_url()


def test_each_result_says_why_it_matched(officer, xian):
    results = search("shaanxi", officer)

    (hit,) = results.groups[0].hits
    assert hit.because == [("Notes", "Capital of Shaanxi province.")]


def test_results_are_grouped_by_kind_and_cover_every_kind(officer, xian):
    relationship = make.RelationshipFactory(place=xian, narrative="Aerospace links with Xian Aerospace.")
    make.ApproachFactory(place=xian, relationship=relationship, request="A visit to Derby in spring.")
    organisation = make.OrganisationFactory(name="Xian Aerospace", country="China")
    make.ContactFactory(name="Li Wei", job_title="Director", organisation=organisation)

    results = search("xian", officer)

    by_kind = {group.key: group for group in results.groups}
    assert set(by_kind) == {"place", "relationship", "approach", "organisation", "contact"}
    assert by_kind["contact"].hits[0].because == [("Organisation", "Xian Aerospace")]
    assert results.total == sum(len(group.hits) for group in results.groups)


def test_every_word_must_match(officer, xian):
    make.PlaceFactory(name="Xiamen", local_name="厦门市", country="China")

    assert [hit.title for group in search("xia china", officer).groups for hit in group.hits] == [
        "Xi'an (西安市)",
        "Xiamen (厦门市)",
    ]
    assert search("xian japan", officer).groups == []


def test_a_renamed_place_is_found_by_its_new_name_in_its_relationships_too(officer, xian):
    make.RelationshipFactory(place=xian)
    xian.name = "Chang'an"
    xian.save()

    kinds = {group.key for group in search("changan", officer).groups}
    assert kinds == {"place", "relationship"}
    assert search("xian", officer).groups == []


def test_a_deleted_record_leaves_the_results(officer):
    place = make.PlaceFactory(name="Hefei", local_name="合肥市")
    place.delete()

    assert search("hefei", officer).groups == []
    assert not SearchEntry.objects.exists()


def test_only_kinds_the_user_may_see_are_searched(finance, outsider, xian):
    from django.contrib.auth.models import Permission

    make.ApproachFactory(place=xian, request="Xian asks for a partnership.")
    places_only = make.UserFactory(username="places.only")
    places_only.user_permissions.add(Permission.objects.get(codename="view_place"))

    assert search("xian", outsider).groups == []
    assert {group.key for group in search("xian", places_only).groups} == {"place"}
    assert {group.key for group in search("xian", finance).groups} == {"place", "relationship", "approach"}


@pytest.mark.parametrize("query", ["", "   ", "''", "!!!", "x" * 5000, "\x00", "<script>"])
def test_empty_or_hostile_queries_find_nothing_and_do_not_fail(officer, xian, query):
    results = search(query, officer)

    # None of these names Xi'an: punctuation and control characters fold away, tags fold to plain words.
    assert results.groups == []
    assert results.total == 0
    assert len(results.query) <= 200


def test_a_query_costs_the_same_number_of_database_queries_whatever_the_size(officer):
    search("warm up", officer)  # the user's permissions are read once and kept

    def add(places: int) -> None:
        for number in range(places):
            make.PlaceFactory(
                name="Shanghai", local_name=f"上海{number}", country=f"Country {places}-{number}"
            )

    add(3)
    assert_work_does_not_grow(lambda: search("shanghai", officer), lambda: add(40))


def test_rebuilding_gives_the_same_entries_as_saving(officer, xian):
    make.RelationshipFactory(place=xian, narrative="Rolls-Royce joint venture.")
    before = sorted(SearchEntry.objects.values_list("kind", "object_id", "title", "text"))
    Place.objects.filter(pk=xian.pk).update(notes="Changed behind the index's back")

    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115

    after = sorted(SearchEntry.objects.values_list("kind", "object_id", "title", "text"))
    assert [row[:3] for row in after] == [row[:3] for row in before]
    assert any("changed behind" in row[3] for row in after)


def test_ranking_puts_a_title_match_first(officer):
    make.PlaceFactory(name="Derby Road", local_name="", country="UK", notes="")
    make.PlaceFactory(
        name="Hefei", local_name="合肥市", country="China", notes="Hefei has asked about Derby twice."
    )
    user = make.UserFactory(username="searcher", roles=[roles.OFFICER])

    titles = [hit.title for hit in search("derby", user).groups[0].hits]

    assert titles[0] == "Derby Road"
    assert "Hefei (合肥市)" in titles


# --- The search page ---------------------------------------------------------------------


def test_the_search_box_is_on_every_page_with_a_label(officer_client):
    from tests.support.pages import Page

    page = Page(officer_client.get(reverse("partners:place-list")))

    box = page.control("Search the register")
    assert box.attrs["name"] == "q"
    assert page.root.find_all("form", role="search")


def test_the_search_page_groups_results_and_says_why(officer_client, xian):
    from tests.support.pages import Page

    make.RelationshipFactory(place=xian, narrative="Rolls-Royce and Xi'an Aerospace.")

    page = Page(officer_client.get(reverse("overview:search"), {"q": "西安"}))

    assert "Search results for “西安”" in page.text
    assert page.section("Places (1)").find_all("a")[0].attrs["href"] == xian.get_absolute_url()
    assert "Matched in local name" in page.section("Places (1)").text
    assert "Xi'an – economic" in page.section("Relationships (1)").text


def test_the_search_page_says_when_nothing_matches(officer_client, xian):
    body = officer_client.get(reverse("overview:search"), {"q": "Timbuktu"}).content.decode()

    assert "Nothing in the register matches “Timbuktu”" in body


def test_what_was_searched_for_is_shown_escaped(officer_client):
    body = officer_client.get(
        reverse("overview:search"), {"q": '<script>alert("x")</script>'}
    ).content.decode()

    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body


def test_a_user_without_a_role_finds_nothing_in_the_register(outsider_client, xian):
    body = outsider_client.get(reverse("overview:search"), {"q": "xian"}).content.decode()

    assert xian.get_absolute_url() not in body
    assert "Nothing in the register matches" in body
