"""The gifts and hospitality register.

Gifts and hospitality received (or offered to us) worth at least the threshold
(settings.GIFT_DECLARATION_THRESHOLD, £50 unless set, as in the model code of conduct) must be declared
within GIFT_DECLARATION_DAYS (28) of their date. The register flags each one
"Due by <date>" until it is declared, lists it under "Awaiting declaration"
and says when it is overdue; gifts we give, and gifts under the
threshold, need no declaration. Refused gifts are recorded too.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from delegations.models import Gift, GiftDirection
from tests.factories import GiftFactory, VisitFactory
from tests.support.pages import Page, open_list, within


def long_date(day: date) -> str:
    return format_date(day, "j F Y")


def awaiting(page: Page) -> list[str]:
    """The lines under "Awaiting declaration", as read."""
    return [" ".join(li.text.split()) for li in page.section("Awaiting declaration").find_all("li")]


def declaration_of(page: Page, description: str) -> str:
    rows = dict(zip(page.column("Description"), page.column("Declaration"), strict=True))
    return rows[description]


@pytest.fixture
def today() -> date:
    return timezone.localdate()


def test_the_default_threshold_is_fifty_pounds() -> None:
    assert Decimal("50.00") == settings.GIFT_DECLARATION_THRESHOLD
    assert settings.GIFT_DECLARATION_DAYS == 28


def test_a_received_gift_worth_the_threshold_is_due_within_28_days(
    leader_client: Client, today: date
) -> None:
    received = today - timedelta(days=5)
    GiftFactory(
        description="Terracotta warrior replica",
        value=Decimal("50.00"),
        on=received,
        counterparty="Mayor of Xi'an",
    )
    due = long_date(received + timedelta(days=28))

    page = open_list(leader_client, reverse("delegations:gift-list"))
    assert declaration_of(page, "Terracotta warrior replica") == f"Due by {due}"
    assert awaiting(page) == [f"Terracotta warrior replica from Mayor of Xi'an, £50 – declare by {due}"]
    assert "(overdue)" not in page.text

    detail = Page(leader_client.get(Gift.objects.get().get_absolute_url()))
    assert f"Declaration Due by {due}" in detail.text


def test_a_gift_a_penny_under_the_threshold_needs_no_declaration(leader_client: Client, today: date) -> None:
    GiftFactory(description="Silk scarf", value=Decimal("49.99"), on=today - timedelta(days=40))
    page = open_list(leader_client, reverse("delegations:gift-list"))
    assert declaration_of(page, "Silk scarf") == "Not needed"
    assert awaiting(page) == []
    assert "Nothing is awaiting declaration." in page.text


def test_a_gift_we_give_needs_no_declaration(leader_client: Client, today: date) -> None:
    GiftFactory(
        description="Derby porcelain plate",
        direction=GiftDirection.GIVEN,
        value=Decimal("500.00"),
        on=today - timedelta(days=40),
    )
    page = open_list(leader_client, reverse("delegations:gift-list"))
    assert declaration_of(page, "Derby porcelain plate") == "Not needed"
    assert awaiting(page) == []


def test_an_overdue_declaration_is_flagged(leader_client: Client) -> None:
    gift = GiftFactory(description="Jade seal", value=Decimal("120.00"), on=date(2015, 11, 3))
    page = open_list(leader_client, reverse("delegations:gift-list"))
    assert declaration_of(page, "Jade seal") == "Due by 1 December 2015 (overdue)"
    assert awaiting(page) == [
        "Jade seal from Mayor of the partner city, £120 – declare by 1 December 2015 (overdue)"
    ]
    flagged = [n for n in page.root.find_all("span") if "overdue" in n.classes]
    assert [n.text for n in flagged] == [
        "declare by 1 December 2015 (overdue)",
        "Due by 1 December 2015 (overdue)",
    ]

    detail = Page(leader_client.get(gift.get_absolute_url()))
    assert "Due by 1 December 2015 (overdue)" in detail.text


def test_a_declared_gift_leaves_the_list_awaiting_declaration(officer_client: Client) -> None:
    gift = GiftFactory(description="Jade seal", value=Decimal("120.00"), on=date(2015, 11, 3))
    assert awaiting(open_list(officer_client, reverse("delegations:gift-list"))) != []

    url = reverse("delegations:gift-update", args=[gift.pk])
    data = within(Page(officer_client.get(url)).form_of("Declared on")).fill({"Declared on": "2015-11-20"})
    response = officer_client.post(url, data)
    assert response.status_code == 302

    page = open_list(officer_client, reverse("delegations:gift-list"))
    assert awaiting(page) == []
    assert declaration_of(page, "Jade seal") == "Declared 20 November 2015"
    assert (
        "Nothing matches."
        in open_list(officer_client, reverse("delegations:gift-list"), Awaiting_declaration_only="Yes").text
    )
    assert gift.history.count() == 2


@pytest.mark.parametrize(
    ("threshold", "flagged"),
    [
        (Decimal("25.00"), ["Lacquered box", "Tea set", "Silk scarf"]),
        (Decimal("50.00"), ["Lacquered box", "Tea set"]),
        (Decimal("100.00"), ["Lacquered box"]),
    ],
)
def test_the_threshold_setting_decides_what_is_flagged(
    leader_client: Client, settings: Any, threshold: Decimal, flagged: list[str]
) -> None:
    settings.GIFT_DECLARATION_THRESHOLD = threshold
    GiftFactory(description="Lacquered box", value=Decimal("150.00"), on=date(2015, 11, 3))
    GiftFactory(description="Tea set", value=Decimal("80.00"), on=date(2015, 11, 2))
    GiftFactory(description="Silk scarf", value=Decimal("30.00"), on=date(2015, 11, 1))

    page = open_list(leader_client, reverse("delegations:gift-list"))
    assert [line.split(" from ")[0] for line in awaiting(page)] == list(reversed(flagged))
    due = {
        d: declaration_of(page, d).startswith("Due by") for d in ("Lacquered box", "Tea set", "Silk scarf")
    }
    assert due == {d: d in flagged for d in due}
    shown = page.section("Awaiting declaration").text
    assert f"received worth £{threshold:,.0f} or more must be declared within 28 days" in shown
    outstanding = open_list(leader_client, reverse("delegations:gift-list"), Awaiting_declaration_only="Yes")
    assert sorted(outstanding.column("Description")) == sorted(flagged)


def test_the_declaration_days_setting_decides_the_due_date(leader_client: Client, settings: Any) -> None:
    settings.GIFT_DECLARATION_DAYS = 14
    GiftFactory(description="Jade seal", value=Decimal("120.00"), on=date(2015, 11, 3))
    assert (
        declaration_of(open_list(leader_client, reverse("delegations:gift-list")), "Jade seal")
        == "Due by 17 November 2015 (overdue)"
    )


def test_a_refused_gift_is_recorded_and_shown_as_refused(officer_client: Client) -> None:
    visit = VisitFactory(title="Exploratory visit to China")
    url = reverse("delegations:gift-create") + f"?visit={visit.pk}"
    form = within(Page(officer_client.get(url)).form_of("Description"))
    assert form.value("Visit") == str(visit.pk), "Recording from the visit page should fill in the visit"
    data = form.fill(
        {
            "Direction": "Received (or offered to us)",
            "Kind": "Hospitality",
            "Description": "Two nights at a lakeside hotel",
            "Estimated value (£)": "640.00",
            "From or to whom": "A company seeking a contract",
            "Date": "2015-11-04",
            "Refused": True,
        },
    )
    response = officer_client.post(reverse("delegations:gift-create"), data)
    assert response.status_code == 302
    gift = Gift.objects.get()
    assert response["Location"] == gift.get_absolute_url()
    assert (gift.was_refused, gift.visit, gift.value) == (True, visit, Decimal("640.00"))
    assert gift.history.count() == 1

    detail = Page(officer_client.get(response["Location"]))
    assert "Received (or offered to us) – refused" in detail.text
    assert "“Two nights at a lakeside hotel” was entered in the register." in detail.root.text
    page = open_list(officer_client, reverse("delegations:gift-list"))
    assert page.column("Description") == ["Two nights at a lakeside hotel Refused"]
    badges = [n.text for n in page.root.find_all("span") if "badge" in n.classes]
    assert badges == ["Refused"]
    visit_page = Page(officer_client.get(visit.get_absolute_url()))
    assert (
        "Two nights at a lakeside hotel – received (or offered to us), £640, refused"
        in visit_page.section("Gifts and hospitality").text
    )


# --- Filters and pages ------------------------------------------------------------------


@pytest.fixture
def gifts(db: Any) -> dict[str, Gift]:
    return {
        "warrior": GiftFactory(
            description="Terracotta warrior replica", value=Decimal("120"), on=date(2015, 11, 3)
        ),
        "declared": GiftFactory(
            description="Jade seal", value=Decimal("90"), on=date(2015, 11, 2), declared_on=date(2015, 11, 20)
        ),
        "plate": GiftFactory(
            description="Derby porcelain plate", direction="given", value=Decimal("45"), on=date(2016, 5, 4)
        ),
        "hotel": GiftFactory(
            description="Two nights at a lakeside hotel",
            kind="hospitality",
            value=Decimal("640"),
            on=date(2016, 5, 5),
            was_refused=True,
        ),
        "scarf": GiftFactory(description="Silk scarf", value=Decimal("20"), on=date(2016, 5, 6)),
    }


@pytest.mark.parametrize(
    ("chosen", "found"),
    [
        ({"Direction": "Given by us"}, ["Derby porcelain plate"]),
        (
            {"Direction": "Received (or offered to us)"},
            [
                "Silk scarf",
                "Two nights at a lakeside hotel Refused",
                "Terracotta warrior replica",
                "Jade seal",
            ],
        ),
        ({"Kind": "Hospitality"}, ["Two nights at a lakeside hotel Refused"]),
        ({"Year": "2015"}, ["Terracotta warrior replica", "Jade seal"]),
        (
            {"Awaiting_declaration_only": "Yes"},
            ["Two nights at a lakeside hotel Refused", "Terracotta warrior replica"],
        ),
        ({"Refused": "Yes"}, ["Two nights at a lakeside hotel Refused"]),
        ({"Refused": "No", "Year": "2016"}, ["Silk scarf", "Derby porcelain plate"]),
        ({"Search": "PORCELAIN"}, ["Derby porcelain plate"]),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_register_is_filtered(leader_client: Client, gifts: Any, chosen: Any, found: list[str]) -> None:
    assert open_list(leader_client, reverse("delegations:gift-list"), **chosen).column("Description") == found


def test_the_register_is_sorted_by_value(leader_client: Client, gifts: Any) -> None:
    page = Page(leader_client.get(reverse("delegations:gift-list") + "?ordering=-value"))
    assert page.column("Value") == ["£640", "£120", "£90", "£45", "£20"]
    assert open_list(leader_client, reverse("delegations:gift-list")).options("Year") == ["2016", "2015"]


def test_the_register_is_paged(leader_client: Client) -> None:
    size = settings.PAGE_SIZE
    Gift.objects.bulk_create(
        Gift(
            direction="received",
            description=f"Gift {i:02d}",
            value=Decimal("10"),
            counterparty="Visitor",
            on=date(2015, 1, 1) + timedelta(days=i),
        )
        for i in range(size + 5)
    )
    first = open_list(leader_client, reverse("delegations:gift-list"))
    assert len(first.column("Description")) == size
    assert f"Showing 1–{size} of {size + 5}" in first.text
    second = Page(leader_client.get(reverse("delegations:gift-list") + first.link("Next page")))
    assert second.column("Description") == [f"Gift {i:02d}" for i in reversed(range(5))]
    assert "Page 2 of 2" in second.text
