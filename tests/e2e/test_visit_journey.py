"""Browser test (Playwright, Debian Chromium): an officer plans the four-person
China visit, adds its participants and cost items and sees the £4,000
estimate, with the FCO paying and the council paying nothing.

Participants are added and removed on the visit page without leaving it
(htmx): the test marks the page's window and checks the mark survives each
change, which it would not if the browser had loaded a new page. Fields are
found by their labels, buttons, links and tables by role and name.
"""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect

from delegations.models import CostItem, Funder, Participant, Visit, VisitStatusChange
from delegations.selectors import visit_detail, visit_estimate
from partners.models import RelationshipKind
from tests.factories import PlaceFactory, RelationshipFactory
from tests.support.browser import sign_in

SCREENSHOT = "/tmp/e2e-visit.png"  # for a person to look at; not asserted

PARTICIPANTS = [
    ("Cllr Ranjit Banwait", "Elected Member"),
    ("Paul Robinson", "Officer"),
    ("Deputy Consul General, Shanghai", "Consular"),
    ("Xian Aerospace representative", "Business"),
]


def plan_the_china_visit(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visits")
    page.get_by_role("link", name="Plan or record a visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan or record a visit")

    page.get_by_label("Relationship").select_option(label="Xi'an – economic")
    page.get_by_label("Direction").select_option(label="Outbound (from us)")
    page.get_by_label("Purpose").select_option(label="Exploratory")
    page.get_by_label("Title").fill("Exploratory visit to China")
    page.get_by_label("Who pays").select_option(label="Foreign and Commonwealth Office")
    page.get_by_label("Number expected to travel").fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exploratory visit to China")


def mark_the_window(page: Page) -> None:
    page.evaluate("window.stillTheSamePage = true")


def expect_still_the_same_page(page: Page, url: str) -> None:
    assert page.url == url
    assert page.evaluate("window.stillTheSamePage === true"), "The browser left the visit page"


def add_participant(page: Page, name: str, role: str) -> None:
    participants = page.get_by_role("region", name="Participants")
    participants.get_by_label("Name").fill(name)
    participants.get_by_label("Role").select_option(label=role)
    participants.get_by_role("button", name="Add participant").click()
    expect(participants.get_by_role("status")).to_have_text(f"{name} was added to the participants.")
    table = participants.get_by_role("table", name="Who took part")
    expect(table.get_by_role("cell", name=name, exact=True)).to_be_visible()
    # The form is back, empty, for the next name.
    expect(participants.get_by_label("Name")).to_have_value("")


def test_officer_plans_the_china_visit_and_sees_the_4000_estimate(page: Page, officer) -> None:
    xian = PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    RelationshipFactory(place=xian, kind=RelationshipKind.ECONOMIC)

    sign_in(page, officer.username)
    plan_the_china_visit(page)
    visit = Visit.objects.get()
    assert (visit.funder, visit.party_size, visit.status) == (Funder.FCO, 4, "proposed")
    assert VisitStatusChange.objects.get(visit=visit).changed_by == officer
    participants = page.get_by_role("region", name="Participants")
    expect(participants).to_contain_text("No participants recorded; 4 expected to travel.")

    url = page.url
    mark_the_window(page)
    for name, role in PARTICIPANTS:
        add_participant(page, name, role)
        expect_still_the_same_page(page, url)
    table = participants.get_by_role("table", name="Who took part")
    expect(table.get_by_role("row")).to_have_count(1 + len(PARTICIPANTS))

    participants.get_by_role("link", name="Remove Paul Robinson").click()
    participants.get_by_role("button", name="Yes, remove it").click()
    expect(participants.get_by_role("status")).to_have_text(
        "Paul Robinson was removed from the participants."
    )
    expect(table.get_by_role("cell", name="Paul Robinson", exact=True)).to_have_count(0)
    expect(table.get_by_role("row")).to_have_count(len(PARTICIPANTS))
    expect_still_the_same_page(page, url)
    add_participant(page, "Paul Robinson", "Officer")
    expect_still_the_same_page(page, url)
    expect(table.get_by_role("row")).to_have_count(1 + len(PARTICIPANTS))
    assert sorted(Participant.objects.filter(visit=visit).values_list("name", flat=True)) == sorted(
        name for name, _ in PARTICIPANTS
    )

    estimate = page.get_by_role("region", name="Estimate")
    expect(estimate.get_by_label("People travelling")).to_have_value("4")
    estimate.get_by_label("Nights").fill("4")
    estimate.get_by_label("Nightly rate per person (£)").fill("60")
    estimate.get_by_label("Fare per person (£)").fill("650")
    estimate.get_by_label("Civic gifts (£)").fill("240")
    estimate.get_by_label("Presentation materials (£)").fill("200")
    estimate.get_by_role("button", name="Add the estimate").click()

    estimate = page.get_by_role("region", name="Estimate")
    expect(estimate).to_contain_text("Estimated cost: £4,000")
    expect(estimate).to_contain_text("Cost to the council: £0")
    expect(estimate).to_contain_text("the council pays nothing")
    costs = estimate.get_by_role("table", name="Cost items making up the estimate")
    expect(
        costs.get_by_role("row").filter(has_text="Paid by: Foreign and Commonwealth Office")
    ).to_contain_text("£4,000")
    page.screenshot(path=SCREENSHOT, full_page=True)

    assert CostItem.objects.filter(visit=visit).count() == 4
    assert visit_estimate(visit_detail().get(pk=visit.pk)).total == Decimal("4000.00")
