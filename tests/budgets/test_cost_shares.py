"""Shared costs: the councils holding a relationship split its costs by
percentage; the shares must add up to exactly 100, each council once, and
each council's part of a line is shown. Finance alone saves them.

The Toyota City twinning is held by Derby City, Derbyshire County and South
Derbyshire District councils; 40/30/30 of a £20,000 line is £8,000, £6,000
and £6,000.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from budgets import services
from budgets.models import CostShare
from core import roles
from core.status import RuleBroken
from tests import factories as make
from tests.support.database import unchanged
from tests.support.pages import Page, money, record_page, refused, within

DERBY, COUNTY, SOUTH = "Derby City Council", "Derbyshire County Council", "South Derbyshire District Council"


@pytest.fixture
def toyota(db: Any) -> Any:
    relationship = make.RelationshipFactory(
        place=make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    )
    relationship.councils.set(
        [
            make.CouncilFactory(name=DERBY, is_home=True),
            make.CouncilFactory(name=COUNTY),
            make.CouncilFactory(name=SOUTH),
        ]
    )
    return relationship


def shares_url(relationship: Any) -> str:
    return reverse("budgets:cost-shares", args=[relationship.pk])


def shares_form(page: Page) -> Any:
    """The shares form (the page's last form that posts; the first is Sign out)."""
    forms = page.root.find_all("form", method="post")
    assert len(forms) == 2, "The page offers no shares form"
    return forms[-1]


def share_rows(page: Page) -> list[Page]:
    """Each row of the shares form: its Council and Share (%) fields, read on their own."""
    return [within(row) for row in shares_form(page).find_all("tbody")[0].find_all("tr")]


def set_shares(
    client: Client, relationship: Any, shares: list[tuple[str, str]], *, page: Page | None = None
) -> Any:
    """Fills the form's rows in order with (council, percentage), blanking the rest, and saves
    (from the page as it is now, or as ``page`` showed it earlier)."""
    page = page or Page(client.get(shares_url(relationship)))
    data: dict[str, Any] = {}
    for node in shares_form(page).iter():
        if (
            node.tag == "input"
            and node.attrs.get("type") == "hidden"
            and node.attrs.get("name") != "csrfmiddlewaretoken"
        ):
            data[node.attrs["name"]] = node.attrs.get("value", "")
    rows = share_rows(page)
    total = max(len(rows), len(shares))
    data["shares-TOTAL_FORMS"] = str(total)
    for index in range(total):
        council, percentage = shares[index] if index < len(shares) else ("", "")
        if index < len(rows):
            select = rows[index].control("Council")
            options = {o.text: o.attrs.get("value", "") for o in select.find_all("option")}
            options[""] = options.pop("None")
        else:
            options = {c.name: str(c.pk) for c in relationship.councils.model.objects.all()} | {"": ""}
        assert council in options, f"{council!r} is not offered: {sorted(options)}"
        data[f"shares-{index}-council"] = options[council]
        data[f"shares-{index}-percentage"] = percentage
    return client.post(shares_url(relationship), data)


def refused_beside(response: Any) -> Page:
    """Refused with the error beside the field (this page has no summary for field errors)."""
    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    return Page(response)


def stored(relationship: Any) -> list[tuple[str, Decimal]]:
    return sorted(
        (share.council.name, share.percentage)
        for share in CostShare.objects.filter(relationship=relationship)
    )


def test_the_form_offers_a_row_for_each_co_signing_council(finance_client: Client, toyota: Any) -> None:
    rows = share_rows(Page(finance_client.get(shares_url(toyota))))
    chosen = [row.control("Council").find_all("option", selected="") for row in rows]
    assert [c[0].text if c else "" for c in chosen] == [DERBY, COUNTY, SOUTH, "None"]
    assert [row.value("Share (%)") for row in rows] == ["", "", "", ""]


def test_finance_splits_the_costs_40_30_30_and_each_councils_part_is_shown(
    finance_client: Client, officer_client: Client, finance: Any, toyota: Any
) -> None:
    response = set_shares(finance_client, toyota, [(DERBY, "40"), (COUNTY, "30"), (SOUTH, "30")])
    assert response.status_code == 302
    assert stored(toyota) == [
        (DERBY, Decimal("40.00")),
        (COUNTY, Decimal("30.00")),
        (SOUTH, Decimal("30.00")),
    ]

    line = make.BudgetLineFactory(
        relationship=toyota, amount=Decimal("20000.00"), approved=True, decided_by=finance
    )
    parts = within(record_page(officer_client, line).section("Each council's part"))
    assert parts.column("Council") == [DERBY, COUNTY, SOUTH]
    assert parts.column("Share") == ["40%", "30%", "30%"]
    assert [money(v) for v in parts.column("Part of £20,000")] == [
        Decimal("8000"),
        Decimal("6000"),
        Decimal("6000"),
    ]
    # The relationship page says how it is split.
    relationship_page = Page(officer_client.get(toyota.get_absolute_url()))
    assert f"Cost shares: {DERBY} 40%, {COUNTY} 30%, {SOUTH} 30%." in relationship_page.section("Budget").text


def test_a_line_on_a_relationship_without_shares_shows_no_parts(
    officer_client: Client, finance: Any, toyota: Any
) -> None:
    line = make.BudgetLineFactory(
        relationship=toyota, amount=Decimal("20000.00"), approved=True, decided_by=finance
    )
    with pytest.raises(AssertionError, match="No section headed"):
        record_page(officer_client, line).section("Each council's part")


@pytest.fixture
def thirds(finance_client: Client, toyota: Any) -> None:
    """Derby 33.34%, the county and South Derbyshire 33.33% each."""
    shares = [(DERBY, "33.34"), (COUNTY, "33.33"), (SOUTH, "33.33")]
    assert set_shares(finance_client, toyota, shares).status_code == 302


def parts_of_a_line(client: Client, toyota: Any, finance: Any, amount: str) -> Page:
    """Each council's part of a new approved line of ``amount``, as the line's page shows it."""
    line = make.BudgetLineFactory(
        relationship=toyota, amount=Decimal(amount), approved=True, decided_by=finance
    )
    return within(record_page(client, line).section("Each council's part"))


def test_shares_in_pence_of_a_percent(
    officer_client: Client, finance: Any, toyota: Any, thirds: None
) -> None:
    parts = parts_of_a_line(officer_client, toyota, finance, "9000.00")
    assert parts.column("Share") == ["33.34%", "33.33%", "33.33%"]
    assert [money(v) for v in parts.column("Part of £9,000")] == [
        Decimal("3000.60"),
        Decimal("2999.70"),
        Decimal("2999.70"),
    ]


def test_the_parts_add_up_to_the_line(
    officer_client: Client, finance: Any, toyota: Any, thirds: None
) -> None:
    parts = parts_of_a_line(officer_client, toyota, finance, "100.01")
    assert sum(money(v) for v in parts.column("Part of £100.01")) == Decimal("100.01")


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (
            [(DERBY, "40"), (COUNTY, "30"), (SOUTH, "20")],
            "The shares add up to 90%; they must add up to 100%.",
        ),
        ([(DERBY, "50"), (COUNTY, "50.01")], "The shares add up to 100.01%; they must add up to 100%."),
        ([(DERBY, "60")], "The shares add up to 60%; they must add up to 100%."),
        ([(DERBY, "50"), (DERBY, "50")], "Each council can have only one share."),
    ],
    ids=["90", "100.01", "one council short", "same council twice"],
)
def test_shares_that_do_not_make_100_are_refused(
    finance_client: Client, toyota: Any, shares: list[tuple[str, str]], message: str
) -> None:
    make.CostShareFactory(
        relationship=toyota, council=toyota.councils.get(name=DERBY), percentage=Decimal("100")
    )
    before = stored(toyota)
    with unchanged():
        page = refused(set_shares(finance_client, toyota, shares), 400)
    assert page.errors_summary() == f"There is a problem {message}"
    assert stored(toyota) == before
    # What Finance typed is still there to correct.
    assert share_rows(page)[0].value("Share (%)") == shares[0][1]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("100.01", "Ensure this value is less than or equal to 100."),
        ("-10", "Ensure this value is greater than or equal to 0."),
        ("0", "Give this council's share, more than 0%."),
        ("33.333", "Ensure that there are no more than 2 decimal places."),
        ("a third", "Enter a number."),
    ],
)
def test_a_share_out_of_range_is_refused_beside_it(
    finance_client: Client, toyota: Any, typed: str, message: str
) -> None:
    with unchanged():
        page = refused_beside(set_shares(finance_client, toyota, [(DERBY, typed), (COUNTY, "50")]))
    assert stored(toyota) == []
    assert share_rows(page)[0].field_error("Share (%)") == message


def test_a_share_without_its_council_is_refused(finance_client: Client, toyota: Any) -> None:
    with unchanged():
        page = refused_beside(set_shares(finance_client, toyota, [(DERBY, "50"), ("", "50")]))
    assert share_rows(page)[1].field_error("Council") == "Choose the council this share belongs to."


def test_new_shares_replace_the_old_and_the_change_is_kept(finance_client: Client, toyota: Any) -> None:
    assert set_shares(finance_client, toyota, [(DERBY, "100")]).status_code == 302
    assert (
        set_shares(finance_client, toyota, [(DERBY, "50"), (COUNTY, "25"), (SOUTH, "25")]).status_code == 302
    )
    assert stored(toyota) == [
        (DERBY, Decimal("50.00")),
        (COUNTY, Decimal("25.00")),
        (SOUTH, Decimal("25.00")),
    ]
    history = CostShare.history.filter(relationship=toyota).order_by("history_date", "history_id")
    assert [(h.history_type, h.council.name, h.percentage) for h in history] == [
        ("+", DERBY, Decimal("100.00")),
        ("-", DERBY, Decimal("100.00")),
        ("+", DERBY, Decimal("50.00")),
        ("+", COUNTY, Decimal("25.00")),
        ("+", SOUTH, Decimal("25.00")),
    ]


def test_a_split_changed_since_the_page_was_opened_is_not_replaced_unseen(
    finance_client: Client, toyota: Any
) -> None:
    colleague = Client()
    colleague.force_login(make.UserFactory(username="fiona", roles=[roles.FINANCE]))
    their_page = Page(colleague.get(shares_url(toyota)))
    assert set_shares(finance_client, toyota, [(DERBY, "70"), (COUNTY, "30")]).status_code == 302

    response = set_shares(colleague, toyota, [(DERBY, "50"), (COUNTY, "50")], page=their_page)
    assert response.status_code == 409
    summary = Page(response).by_id["error-summary"]
    assert "autofocus" in summary.attrs  # read out first
    said = summary.text
    assert f"they now stand at {DERBY} 70.00%, {COUNTY} 30.00%" in said
    assert stored(toyota) == [(DERBY, Decimal("70.00")), (COUNTY, Decimal("30.00"))]
    shown_again = Page(response)
    assert [row.value("Share (%)") for row in share_rows(shown_again)][:2] == ["50", "50"]

    # Sent again from the page that told them, Fiona's split replaces it knowingly.
    assert set_shares(colleague, toyota, [(DERBY, "50"), (COUNTY, "50")], page=shown_again).status_code == 302
    assert stored(toyota) == [(DERBY, Decimal("50.00")), (COUNTY, Decimal("50.00"))]


def test_only_finance_may_save_shares(officer_client: Client, leader_client: Client, toyota: Any) -> None:
    make.CostShareFactory(
        relationship=toyota, council=toyota.councils.get(name=DERBY), percentage=Decimal("100")
    )
    page = Page(officer_client.get(shares_url(toyota)))
    assert len(page.root.find_all("form", method="post")) == 1, "The officer is offered the shares form"
    table = within(page.root.find_all("main")[0])
    assert table.column("Council") == [DERBY]
    assert table.column("Share") == ["100%"]

    data = {
        "shares-TOTAL_FORMS": "2",
        "shares-INITIAL_FORMS": "0",
        "shares-0-council": str(toyota.councils.get(name=COUNTY).pk),
        "shares-0-percentage": "50",
        "shares-1-council": str(toyota.councils.get(name=SOUTH).pk),
        "shares-1-percentage": "50",
    }
    for client in (officer_client, leader_client):
        with unchanged():
            assert client.post(shares_url(toyota), data).status_code == 403
    assert stored(toyota) == [(DERBY, Decimal("100.00"))]


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([(DERBY, "50"), (COUNTY, "49.99")], "The shares add up to 99.99%; they must add up to 100%."),
        ([(DERBY, "50"), (DERBY, "50")], "Each council can have only one share."),
    ],
)
def test_the_shares_service_refuses_whoever_calls_it(
    toyota: Any, shares: list[tuple[str, str]], message: str
) -> None:
    """The rule holds below the form too: nothing replaced when the shares are wrong."""
    make.CostShareFactory(
        relationship=toyota, council=toyota.councils.get(name=SOUTH), percentage=Decimal("100")
    )
    chosen = [(toyota.councils.get(name=name), Decimal(pct)) for name, pct in shares]
    with pytest.raises(RuleBroken, match=re.escape(message)):
        services.cost_shares_set(relationship=toyota, shares=chosen)
    assert stored(toyota) == [(SOUTH, Decimal("100.00"))]
