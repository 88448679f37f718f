"""A cost item holds no more money than any sum in the register can: a unit
cost, and a quantity times its unit cost, at most £9,999,999,999.99 (a money
field's twelve digits); a quantity at most 999,999.99. Beyond that the form
says so beside the field, in words, and nothing is saved: an estimate of
999,999 × £9,999,999,999.99 would otherwise reach the options paper."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from delegations.models import CostItem, Visit
from tests import factories as make
from tests.support.pages import Page, record_page


def add_cost_item(client: Client, visit: Visit, values: dict[str, str]) -> Any:
    url = reverse("delegations:cost-item-add", args=[visit.pk])
    data = record_page(client, visit).form_posting_to(url).fill({"Category": "Other", **values})
    return client.post(url, data)


def refused_beside(response: Any, label: str) -> str:
    assert response.status_code == 400, f"expected the form back with errors, got {response.status_code}"
    page = Page(response)
    assert "There is a problem" in page.text
    return page.field_error(label)


def test_a_cost_item_of_999999_times_the_largest_sum_is_refused(
    officer_client: Client, china_visit: Visit
) -> None:
    response = add_cost_item(
        officer_client, china_visit, {"Quantity": "999999", "Unit cost (£)": "9999999999.99"}
    )
    assert refused_beside(response, "Unit cost (£)") == (
        "The quantity times the unit cost comes to £9,999,989,999,990,000.01; a cost item can come "
        "to at most £9,999,999,999.99. Check the quantity and the unit cost."
    )
    assert not CostItem.objects.exists()


@pytest.mark.parametrize(
    ("values", "label", "message"),
    [
        (
            {"Quantity": "1", "Unit cost (£)": "10000000000"},
            "Unit cost (£)",
            "A unit cost can be at most £9,999,999,999.99.",
        ),
        (
            {"Quantity": "1000000", "Unit cost (£)": "1"},
            "Quantity",
            "The quantity can be at most 999,999.99.",
        ),
        (
            {"Quantity": "2", "Unit cost (£)": "5000000000"},
            "Unit cost (£)",
            "The quantity times the unit cost comes to £10,000,000,000; a cost item can come to at most "
            "£9,999,999,999.99. Check the quantity and the unit cost.",
        ),
    ],
    ids=["unit cost", "quantity", "total"],
)
def test_too_much_is_refused_beside_the_field(
    officer_client: Client, china_visit: Visit, values: dict[str, str], label: str, message: str
) -> None:
    assert refused_beside(add_cost_item(officer_client, china_visit, values), label) == message
    assert not CostItem.objects.exists()


def test_the_most_a_cost_item_can_come_to_is_accepted(officer_client: Client, china_visit: Visit) -> None:
    response = add_cost_item(officer_client, china_visit, {"Quantity": "1", "Unit cost (£)": "9999999999.99"})
    assert response.status_code == 302
    assert CostItem.objects.get().total == Decimal("9999999999.99")


def test_the_database_refuses_a_cost_item_coming_to_too_much(china_visit: Visit) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make.CostItemFactory(visit=china_visit, quantity=Decimal("2"), unit_cost=Decimal("5000000000.00"))


def test_a_quick_estimate_coming_to_too_much_is_refused(officer_client: Client, china_visit: Visit) -> None:
    url = reverse("delegations:estimate-add", args=[china_visit.pk])
    values = {
        "People travelling": "500",
        "Nights": "365",
        "Nightly rate per person (£)": "9999999999.99",
        "Fare per person (£)": "0",
    }
    data = record_page(officer_client, china_visit).form_posting_to(url).fill(values)
    response = officer_client.post(url, data)
    assert refused_beside(response, "Nightly rate per person (£)") == (
        "The accommodation comes to £1,824,999,999,998,175; a cost item can come to at most "
        "£9,999,999,999.99. Check the people, the nights and the nightly rate."
    )
    assert not CostItem.objects.exists()
