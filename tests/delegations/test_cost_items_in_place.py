"""Cost items added, changed and removed in place on the visit page (htmx), as
participants are: each form answers with the estimate section alone, its items
and its totals together, and with who pays (at the top of the page) to swap in
out of band. Without JavaScript the same forms post and come back to the visit
page at the item. Two people changing one item: the second is told who changed
what, and nothing of theirs is lost or saved over the first's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from delegations.models import CostItem, Funder, Visit
from tests import factories as make
from tests.support.pages import (
    HX,
    Node,
    Page,
    asked_to_remove,
    button_form,
    open_page,
    press,
    record_page,
    remove,
    said,
    within,
)

# --- Reading what comes back ---------------------------------------------------------------


def fragment(response: Any) -> tuple[Page, str]:
    """An htmx answer: the estimate section alone, and who pays to swap in out of band."""
    assert response.status_code == 200, f"htmx swaps only a success; got {response.status_code}"
    html = response.content.decode()
    assert "<html" not in html and "<body" not in html, "htmx got a whole page, not the section"
    page = Page(html)
    top = [n for n in page.root.children if isinstance(n, Node)]
    assert [(n.tag, n.attrs.get("id")) for n in top] == [("section", "estimate"), ("dd", "who-pays")], (
        "The answer must be the #estimate section, then who pays out of band"
    )
    assert top[1].attrs.get("hx-swap-oob") == "true"
    return within(top[0]), said(top[1])


def estimate_line(section: Page) -> str:
    """ "Estimated cost: £X. Cost to the council: £Y" as the section says it."""
    lead = [p for p in section.root.find_all("p") if "lead" in p.classes]
    assert len(lead) == 1
    return said(lead[0])


def live_message(section: Page) -> str:
    regions = [n for n in section.root.find_all("div") if n.attrs.get("role") == "status"]
    assert len(regions) == 1 and regions[0].attrs.get("aria-live") == "polite"
    return regions[0].text


def row_of(section: Page, item: CostItem) -> Node:
    rows = [n for n in section.root.find_all("tr") if n.attrs.get("id") == f"cost-item-{item.pk}"]
    assert len(rows) == 1, f"No row for {item}"
    return rows[0]


def link_reading(node: Node, words: str) -> Node:
    links = [a for a in node.find_all("a") if a.text == words]
    assert len(links) == 1, f"{len(links)} links read {words!r}"
    return links[0]


def change_url(item: CostItem) -> str:
    return reverse("delegations:cost-item-change", args=[item.pk])


# --- The visit and its items -------------------------------------------------------------


@pytest.fixture
def hotel(china_visit: Visit) -> CostItem:
    """16 nights at £62.50, the FCO paying."""
    return make.CostItemFactory(
        visit=china_visit,
        category="accommodation",
        description="Hotel in Xi'an",
        quantity=Decimal("16"),
        unit_cost=Decimal("62.50"),
        funder="fco",
    )


@pytest.fixture
def flights(china_visit: Visit) -> CostItem:
    return make.CostItemFactory(
        visit=china_visit,
        category="travel",
        description="Flights",
        quantity=Decimal("4"),
        unit_cost=Decimal("650.00"),
        funder="fco",
    )


# --- Adding ------------------------------------------------------------------------------


def add_form(client: Client, visit: Visit) -> tuple[str, Page]:
    url = reverse("delegations:cost-item-add", args=[visit.pk])
    return url, record_page(client, visit).form_posting_to(url)


def test_an_item_added_with_htmx_comes_back_with_the_totals(
    officer_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    url, form = add_form(officer_client, china_visit)
    assert form.root.attrs.get("hx-post") == url
    assert form.root.attrs.get("hx-target") == "#estimate"
    data = form.fill(
        {
            "Category": "Civic gifts",
            "Description": "Derby porcelain",
            "Quantity": "1",
            "Unit cost (£)": "240",
            "Who pays": "The council",
        }
    )
    section, who_pays = fragment(officer_client.post(url, data, **HX))

    assert section.column("Item") == ["Hotel in Xi'an", "Derby porcelain"]
    assert estimate_line(section) == "Estimated cost: £1,240. Cost to the council: £240."
    assert "Total estimate £1,240" in said(section.root)
    assert live_message(section) == "Derby porcelain was added to the estimate."
    assert who_pays == "The council £240; Foreign and Commonwealth Office £1,000"
    # The form is back, empty, for the next item, still posting in place.
    again = section.form_posting_to(url)
    assert again.value("Description") == "" and again.value("Quantity") == ""
    assert again.root.attrs.get("hx-post") == url
    assert CostItem.objects.filter(visit=china_visit).count() == 2


def test_an_item_refused_with_htmx_comes_back_with_its_error_and_nothing_saved(
    officer_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    url, form = add_form(officer_client, china_visit)
    data = form.fill({"Category": "Travel", "Quantity": "0", "Unit cost (£)": "650"})
    section, _ = fragment(officer_client.post(url, data, **HX))
    assert section.field_error("Quantity") == "The quantity must be more than zero."
    assert section.value("Unit cost (£)") == "650"
    assert live_message(section) == ""
    assert (
        estimate_line(section)
        == "Estimated cost: £1,000. Cost to the council: £0 – the council pays nothing."
    )
    assert CostItem.objects.filter(visit=china_visit).count() == 1


def test_without_htmx_an_added_item_is_shown_at_its_place_on_the_visit(
    officer_client: Client, china_visit: Visit
) -> None:
    url, form = add_form(officer_client, china_visit)
    data = form.fill(
        {"Category": "Travel", "Description": "Flights", "Quantity": "4", "Unit cost (£)": "650"}
    )
    response = officer_client.post(url, data)
    item = CostItem.objects.get(visit=china_visit)
    assert response.status_code == 302
    assert response["Location"] == f"{china_visit.get_absolute_url()}#cost-item-{item.pk}"
    page = open_page(officer_client, response["Location"])
    assert "Flights was added to the estimate." in page.text
    assert row_of(within(page.section("Estimate")), item).find_all("td")[0].text == "Flights"


# --- Changing ----------------------------------------------------------------------------


def test_each_item_offers_to_be_changed_in_place(
    officer_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    section = within(record_page(officer_client, china_visit).section("Estimate"))
    change = link_reading(row_of(section, hotel), "Change Hotel in Xi'an")
    assert change.attrs["hx-get"] == change_url(hotel)
    assert change.attrs["hx-target"] == "#estimate"
    # Without JavaScript the link opens the visit page with the item's form at the item.
    assert change.attrs["href"] == f"{change_url(hotel)}#cost-item-{hotel.pk}"


def test_the_change_form_comes_in_place_of_the_item_with_what_it_says(
    officer_client: Client, china_visit: Visit, hotel: CostItem, flights: CostItem
) -> None:
    section, _ = fragment(officer_client.get(change_url(hotel), **HX))
    form = within(row_of(section, hotel)).form_posting_to(change_url(hotel))
    assert form.root.attrs.get("hx-post") == change_url(hotel)
    assert (form.value("Category"), form.value("Description"), form.value("Quantity")) == (
        "accommodation",
        "Hotel in Xi'an",
        "16.00",
    )
    assert (form.value("Unit cost (£)"), form.value("Who pays")) == ("62.50", "fco")
    assert form.control("Category").attrs.get("autofocus") is not None
    # The other item stays as it was, and the totals stay beside them.
    assert row_of(section, flights).find_all("td")[0].text == "Flights"
    assert estimate_line(section).startswith("Estimated cost: £3,600.")


def test_an_item_changed_with_htmx_comes_back_with_the_totals(
    officer_client: Client, china_visit: Visit, hotel: CostItem, flights: CostItem
) -> None:
    section, _ = fragment(officer_client.get(change_url(hotel), **HX))
    data = section.form_posting_to(change_url(hotel)).fill(
        {"Quantity": "12", "Unit cost (£)": "142.02", "Who pays": "The council"}
    )
    section, who_pays = fragment(officer_client.post(change_url(hotel), data, **HX))

    assert live_message(section) == "Hotel in Xi'an was changed."
    cells = [td.text for td in row_of(section, hotel).find_all("td")][:6]
    assert cells == ["Hotel in Xi'an", "Accommodation", "12", "£142.02", "£1,704.24", "The council"]
    assert estimate_line(section) == "Estimated cost: £4,304.24. Cost to the council: £1,704.24."
    assert who_pays == "The council £1,704.24; Foreign and Commonwealth Office £2,600"
    assert not section.root.find_all("form", action=change_url(hotel)), "The row is an item again, not a form"
    hotel.refresh_from_db()
    assert (hotel.quantity, hotel.unit_cost, hotel.funder, hotel.version) == (
        Decimal("12"),
        Decimal("142.02"),
        Funder.COUNCIL,
        2,
    )
    assert hotel.history.count() == 2


def test_an_item_changed_badly_with_htmx_keeps_the_typing_and_saves_nothing(
    officer_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    section, _ = fragment(officer_client.get(change_url(hotel), **HX))
    data = section.form_posting_to(change_url(hotel)).fill(
        {"Quantity": "-3", "Description": "Hotel, 3 rooms"}
    )
    section, _ = fragment(officer_client.post(change_url(hotel), data, **HX))
    form = within(row_of(section, hotel)).form_posting_to(change_url(hotel))
    assert form.field_error("Quantity") == "The quantity must be more than zero."
    assert form.value("Description") == "Hotel, 3 rooms"
    assert "There is a problem" in section.text
    hotel.refresh_from_db()
    assert (hotel.quantity, hotel.description, hotel.version) == (Decimal("16"), "Hotel in Xi'an", 1)


def test_without_htmx_an_item_is_changed_on_the_visit_page_and_shown_at_its_place(
    officer_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    page = open_page(officer_client, change_url(hotel))
    assert page.root.find_all("h1")[0].text == "Exploratory visit to China"
    data = page.form_posting_to(change_url(hotel)).fill({"Unit cost (£)": "70"})
    response = officer_client.post(change_url(hotel), data)
    assert response.status_code == 302
    assert response["Location"] == f"{china_visit.get_absolute_url()}#cost-item-{hotel.pk}"
    page = open_page(officer_client, response["Location"])
    assert "Hotel in Xi'an was changed." in page.text
    assert "Estimated cost: £1,120." in said(page.section("Estimate"))

    refused = officer_client.post(change_url(hotel), {**data, "change-quantity": ""})
    assert refused.status_code == 400
    assert (
        Page(refused).form_posting_to(change_url(hotel)).field_error("Quantity") == "This field is required."
    )


def opened_change_form(client: Client, item: CostItem, headers: dict[str, str]) -> Page:
    response = client.get(change_url(item), **headers)
    page = fragment(response)[0] if headers else Page(response)
    return page.form_posting_to(change_url(item))


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "without JavaScript"])
def test_a_colleagues_change_in_between_is_not_overwritten(
    officer_client: Client, colleague_client: Client, hotel: CostItem, headers: dict[str, str]
) -> None:
    olivias = opened_change_form(officer_client, hotel, headers)
    priyas = opened_change_form(colleague_client, hotel, headers)
    saved = officer_client.post(change_url(hotel), olivias.fill({"Quantity": "12"}), **headers)
    assert saved.status_code == (200 if headers else 302)

    response = colleague_client.post(
        change_url(hotel), priyas.fill({"Description": "Hotel near the station"}), **headers
    )
    if headers:
        section, who_pays = fragment(response)
        assert who_pays == "Foreign and Commonwealth Office £750"
    else:
        assert response.status_code == 400
        section = within(Page(response).section("Estimate"))
    form = within(row_of(section, hotel)).form_posting_to(change_url(hotel))
    summary = said(within(row_of(section, hotel)).errors_summary())
    assert "Olivia Officer saved this record" in summary
    assert "They changed: quantity." in summary
    assert "Your changes have not been saved; they are still in the form below." in summary
    assert form.value("Description") == "Hotel near the station"
    assert live_message(section) == ""
    hotel.refresh_from_db()
    assert (hotel.quantity, hotel.description, hotel.version) == (Decimal("12"), "Hotel in Xi'an", 2)

    # Told what Olivia changed, Priya puts her quantity in too and saves again: it goes through.
    again = colleague_client.post(change_url(hotel), form.fill({"Quantity": "12"}), **headers)
    assert again.status_code == (200 if headers else 302)
    hotel.refresh_from_db()
    assert (hotel.quantity, hotel.description, hotel.version) == (Decimal("12"), "Hotel near the station", 3)


def test_a_read_only_role_cannot_change_an_item(
    leader_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    section = within(record_page(leader_client, china_visit).section("Estimate"))
    assert not [a for a in section.root.find_all("a") if a.text.startswith("Change")]
    assert leader_client.get(change_url(hotel), **HX).status_code == 403
    data = {
        "change-category": "travel",
        "change-quantity": "1",
        "change-unit_cost": "1",
        "change-funder": "fco",
    }
    assert leader_client.post(change_url(hotel), {**data, "change-version": "1"}, **HX).status_code == 403
    hotel.refresh_from_db()
    assert hotel.version == 1


# --- Removing ----------------------------------------------------------------------------


def test_removing_an_item_asks_first_then_goes_back_to_the_estimate_with_the_totals(
    officer_client: Client, china_visit: Visit, hotel: CostItem, flights: CostItem
) -> None:
    section = within(record_page(officer_client, china_visit).section("Estimate"))
    asked = asked_to_remove(officer_client, section, "Remove Flights")
    assert asked.root.find_all("h1")[0].text == "Remove “Flights” from the estimate?"
    assert "spend recorded against it is kept" in asked.text
    # Asking removes nothing, and "No, keep it" leads back to the estimate.
    assert asked.link("No, keep it") == f"{china_visit.get_absolute_url()}#estimate"
    assert CostItem.objects.filter(pk=flights.pk).exists()

    response = press(officer_client, asked, "Yes, remove it")
    assert response.status_code == 302
    assert response["Location"] == f"{china_visit.get_absolute_url()}#estimate"
    page = record_page(officer_client, china_visit)
    assert "Flights was removed from the estimate." in page.text
    section = within(page.section("Estimate"))
    assert section.column("Item") == ["Hotel in Xi'an"]
    assert (
        estimate_line(section)
        == "Estimated cost: £1,000. Cost to the council: £0 – the council pays nothing."
    )


def test_with_htmx_the_question_is_asked_in_the_item_s_row_and_keeping_it_brings_the_row_back(
    officer_client: Client, china_visit: Visit, flights: CostItem
) -> None:
    url = reverse("delegations:cost-item-remove", args=[flights.pk])
    section = within(record_page(officer_client, china_visit).section("Estimate"))
    asked_at = f"{url}?version={flights.version}"  # the version this page shows
    assert link_reading(row_of(section, flights), "Remove Flights").attrs["hx-get"] == asked_at

    asked, _ = fragment(officer_client.get(asked_at, **HX))
    row = within(row_of(asked, flights))
    assert "Remove “Flights” from the estimate? " in said(row.root)
    action, sent = button_form(row, "Yes, remove it")
    assert (action, sent) == (
        url,
        {"confirmed": "yes", "version": str(flights.version), "record": str(china_visit.pk)},
    )

    kept, _ = fragment(officer_client.get(f"{url}?keep", **HX))
    assert "autofocus" in link_reading(row_of(kept, flights), "Remove Flights").attrs
    assert CostItem.objects.filter(pk=flights.pk).exists()

    removed, _ = fragment(officer_client.post(action, sent, **HX))
    assert live_message(removed) == "Flights was removed from the estimate."
    assert not CostItem.objects.filter(pk=flights.pk).exists()


def colleague_corrects_the_fares(colleague_client: Client, flights: CostItem) -> None:
    """A colleague changes the flights to two at £650 each, in place, before the officer acts."""
    data = {
        "change-category": "travel",
        "change-description": "Flights",
        "change-quantity": "2",
        "change-unit_cost": "650.00",
        "change-funder": "fco",
        "change-version": str(flights.version),
    }
    colleague_client.post(change_url(flights), data, **HX)
    assert CostItem.objects.get(pk=flights.pk).quantity == Decimal("2")


def test_an_item_a_colleague_changed_after_the_visit_page_showed_it_is_not_removed_unseen(
    officer_client: Client, colleague_client: Client, china_visit: Visit, flights: CostItem
) -> None:
    section = within(record_page(officer_client, china_visit).section("Estimate"))
    colleague_corrects_the_fares(colleague_client, flights)
    # Asked from the page as it was: the question carries the version that page showed.
    response = remove(officer_client, section, "Remove Flights")
    assert CostItem.objects.get(pk=flights.pk).quantity == Decimal("2")
    assert (
        "Flights was changed by someone else after you opened the page"
        in Page(officer_client.get(response["Location"])).text
    )


def test_a_removal_confirmed_twice_says_it_was_removed_already(
    officer_client: Client, china_visit: Visit, flights: CostItem
) -> None:
    asked = asked_to_remove(
        officer_client, within(record_page(officer_client, china_visit).section("Estimate")), "Remove Flights"
    )
    assert press(officer_client, asked, "Yes, remove it").status_code == 302
    again = press(officer_client, asked, "Yes, remove it")  # a second press, or a colleague's first
    assert again["Location"] == f"{china_visit.get_absolute_url()}#estimate"
    assert "That was removed already" in Page(officer_client.get(again["Location"])).text
    section, _ = fragment(officer_client.post(*button_form(asked, "Yes, remove it"), **HX))
    assert live_message(section).startswith("That was removed already")


def test_a_removal_sent_without_being_confirmed_removes_nothing_and_asks(
    officer_client: Client, china_visit: Visit, flights: CostItem
) -> None:
    # As a page from before removals were asked about would send it, with htmx or without.
    url = reverse("delegations:cost-item-remove", args=[flights.pk])
    response = officer_client.post(url, {"version": str(flights.version)})
    assert response.status_code == 200
    assert Page(response).root.find_all("h1")[0].text == "Remove “Flights” from the estimate?"
    section, _ = fragment(officer_client.post(url, {"version": str(flights.version)}, **HX))
    assert "Remove “Flights” from the estimate? " in said(row_of(section, flights))
    assert CostItem.objects.filter(pk=flights.pk).exists()


def test_an_item_a_colleague_changed_after_the_page_asked_is_not_removed_unseen(
    officer_client: Client, colleague_client: Client, china_visit: Visit, flights: CostItem
) -> None:
    section = within(record_page(officer_client, china_visit).section("Estimate"))
    asked = asked_to_remove(officer_client, section, "Remove Flights")

    colleague_corrects_the_fares(colleague_client, flights)

    response = press(officer_client, asked, "Yes, remove it")
    assert CostItem.objects.filter(pk=flights.pk).exists()
    page = Page(officer_client.get(response["Location"]))
    assert "Flights was changed by someone else after you opened the page" in page.text
    # Asked again, about the item as it now stands, it is removed.
    response = remove(officer_client, within(page.section("Estimate")), "Remove Flights")
    assert response.status_code == 302
    assert not CostItem.objects.filter(pk=flights.pk).exists()


def test_a_changed_item_stays_on_its_own_visit(
    officer_client: Client, china_visit: Visit, hotel: CostItem
) -> None:
    elsewhere = make.VisitFactory(title="Toyota City civic visit")
    data = (
        open_page(officer_client, change_url(hotel))
        .form_posting_to(change_url(hotel))
        .fill({"Quantity": "2"})
    )
    stray = {"visit": elsewhere.pk, "change-visit": elsewhere.pk, "visit_id": elsewhere.pk}
    assert officer_client.post(change_url(hotel), {**data, **stray}).status_code == 302
    hotel.refresh_from_db()
    assert (hotel.visit, hotel.quantity) == (china_visit, Decimal("2"))
    assert not elsewhere.cost_items.exists()
