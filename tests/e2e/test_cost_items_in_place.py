"""Browser test (Playwright, Debian Chromium): an officer adds, changes and
removes a visit's cost items on the visit page without leaving it (htmx), and
the estimate beside the items, and who pays at the top of the page, follow
each change in view. The test marks the page's window and checks the mark
survives each change, which it would not if the browser had loaded a new page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from playwright.sync_api import Locator, Page, expect

from delegations.models import CostItem, Funder
from partners.models import RelationshipKind
from tests.factories import CostItemFactory, PlaceFactory, RelationshipFactory, VisitFactory
from tests.support.browser import sign_in

SCREENSHOT = "/tmp/e2e-cost-items.png"  # for a person to look at; not asserted


def still_the_same_page(page: Page, url: str) -> None:
    assert page.url == url
    assert page.evaluate("window.stillTheSamePage === true"), "The browser left the visit page"


def estimate_line(estimate: Locator) -> Locator:
    return estimate.get_by_text("Estimated cost:")


def opened_put_back_and_opened_again(estimate: Locator, link: str, opened: Locator, put_back: str) -> None:
    """The row's link opens it in place (a form, a question); put back, the row is as it was and
    focus is on the link again, not lost to the page; then it is opened again."""
    estimate.get_by_role("link", name=link).click()
    expect(opened).to_be_visible()
    opened.get_by_role("link", name=put_back).click()
    expect(opened).to_have_count(0)
    expect(estimate.get_by_role("link", name=link)).to_be_focused()
    estimate.get_by_role("link", name=link).click()


def test_officer_adds_changes_and_removes_cost_items_in_place(page: Page, officer) -> None:
    xian = PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    visit = VisitFactory(
        relationship=RelationshipFactory(place=xian, kind=RelationshipKind.ECONOMIC),
        title="Exploratory visit to China",
        direction="outbound",
        funder=Funder.FCO,
        starts_on=date(2015, 11, 2),
        ends_on=date(2015, 11, 6),
    )
    hotel = CostItemFactory(
        visit=visit,
        category="accommodation",
        description="Hotel in Xi'an",
        quantity=Decimal("16"),
        unit_cost=Decimal("62.50"),
        funder="fco",
    )

    sign_in(page, officer.username)
    page.goto(visit.get_absolute_url())
    url = page.url
    page.evaluate("window.stillTheSamePage = true")
    estimate = page.get_by_role("region", name="Estimate")
    who_pays = page.get_by_role("definition").filter(has_text="Foreign and Commonwealth Office")
    expect(estimate_line(estimate)).to_have_text(
        "Estimated cost: £1,000. Cost to the council: £0 – the council pays nothing."
    )
    expect(who_pays).to_have_text("Foreign and Commonwealth Office £1,000")

    # Add: the council's flights.
    adding = estimate.locator("form").filter(has=page.get_by_role("button", name="Add cost item"))
    adding.get_by_label("Category").select_option(label="Travel")
    adding.get_by_label("Description").fill("Flights")
    adding.get_by_label("Quantity").fill("4")
    adding.get_by_label("Unit cost (£)").fill("650")
    adding.get_by_label("Who pays").select_option(label="The council")
    adding.get_by_role("button", name="Add cost item").click()
    expect(estimate.get_by_role("status")).to_have_text("Flights was added to the estimate.")
    expect(estimate_line(estimate)).to_have_text("Estimated cost: £3,600. Cost to the council: £2,600.")
    expect(estimate_line(estimate)).to_be_in_viewport()
    costs = estimate.get_by_role("table", name="Cost items making up the estimate")
    expect(costs.get_by_role("row").filter(has_text="Flights")).to_contain_text("£2,600")
    expect(page.get_by_text("The council £2,600; Foreign and Commonwealth Office £1,000")).to_be_visible()
    still_the_same_page(page, url)

    # Change: the hotel for twelve nights, at a better rate.
    changing = estimate.get_by_role("form", name="Change Hotel in Xi'an")
    opened_put_back_and_opened_again(
        estimate, "Change Hotel in Xi'an", changing, "Cancel changing Hotel in Xi'an"
    )
    still_the_same_page(page, url)
    expect(changing.get_by_label("Category")).to_be_focused()
    expect(changing.get_by_label("Quantity")).to_have_value("16.00")
    changing.get_by_label("Quantity").fill("12")
    changing.get_by_label("Unit cost (£)").fill("58.75")
    changing.get_by_role("button", name="Save changes").click()
    expect(estimate.get_by_role("status")).to_have_text("Hotel in Xi'an was changed.")
    expect(changing).to_have_count(0)
    expect(costs.get_by_role("row").filter(has_text="Hotel in Xi'an")).to_contain_text("£705")
    expect(estimate_line(estimate)).to_have_text("Estimated cost: £3,305. Cost to the council: £2,600.")
    expect(estimate_line(estimate)).to_be_in_viewport()
    expect(page.get_by_text("The council £2,600; Foreign and Commonwealth Office £705")).to_be_visible()
    still_the_same_page(page, url)

    # Remove the flights: the council pays nothing again.
    question = estimate.get_by_role("group", name="Remove “Flights” from the estimate?")
    opened_put_back_and_opened_again(estimate, "Remove Flights", question, "No, keep it")
    expect(question.get_by_text("Remove “Flights” from the estimate?")).to_be_focused()
    question.get_by_role("button", name="Yes, remove it").click()
    expect(estimate.get_by_role("status")).to_have_text("Flights was removed from the estimate.")
    expect(costs.get_by_role("row").filter(has_text="Flights")).to_have_count(0)
    expect(estimate_line(estimate)).to_have_text(
        "Estimated cost: £705. Cost to the council: £0 – the council pays nothing."
    )
    expect(estimate_line(estimate)).to_be_in_viewport()
    expect(
        page.get_by_role("definition").filter(has_text="Foreign and Commonwealth Office £705")
    ).to_be_visible()
    still_the_same_page(page, url)
    page.screenshot(path=SCREENSHOT, full_page=True)

    hotel.refresh_from_db()
    assert (hotel.quantity, hotel.unit_cost, hotel.version) == (Decimal("12"), Decimal("58.75"), 2)
    assert list(CostItem.objects.filter(visit=visit)) == [hotel]
