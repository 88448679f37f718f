"""The overseas travel CSV: what Freedom of Information requests ask for, safe to open in Excel."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.exports import spreadsheet_safe
from tests import factories as make
from tests.support.queries import assert_queries_do_not_grow

EXPORT = "/delegations/visits/overseas-travel.csv"
# The header row, as the file holds it.
HEADER = next(
    csv.reader(
        [
            "Visit,Destination,Local name,Start date,End date,Dates approximate,Nights,Number travelling,"
            "Purpose,Status,Who paid,Estimated cost (GBP),Estimated cost to the council (GBP),Actual cost (GBP)"
        ]
    )
)


def rows_of(response: Any) -> list[dict[str, str]]:
    """The CSV as a person's spreadsheet reads it, one dict per visit."""
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark for Excel"
    text = body[3:].decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header, *rows = list(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_url_and_header(finance_client: Client) -> None:
    assert reverse("delegations:overseas-travel-csv") == EXPORT
    response = finance_client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="overseas-travel-{today}.csv"'
    first_line = response.content.split(b"\r\n")[0]
    assert first_line == b"\xef\xbb\xbf" + ",".join(HEADER).encode()
    assert rows_of(response) == []


def test_one_row_per_outbound_visit_with_what_foi_asks(finance_client: Client, xian: Any) -> None:
    trip = make.VisitFactory(
        relationship=xian,
        title="Trade mission to Xi'an",
        purpose="trade",
        status="confirmed",
        starts_on=datetime.date(2016, 3, 14),
        ends_on=datetime.date(2016, 3, 18),
        party_size=6,
        actual_cost=Decimal("3987.40"),
    )
    for name in ("Cllr Ranjit Banwait", "Paul Robinson", "Greg Jennings", "Nicola Roberts"):
        make.ParticipantFactory(visit=trip, name=name)
    make.CostItemFactory(visit=trip, category="travel", quantity=Decimal("4"), unit_cost=Decimal("487.37"))
    make.CostItemFactory(
        visit=trip, category="accommodation", quantity=Decimal("16"), unit_cost=Decimal("62.50")
    )
    make.CostItemFactory(
        visit=trip, category="subsistence", quantity=Decimal("2.5"), unit_cost=Decimal("19.98")
    )
    planned = make.VisitFactory(
        relationship=xian,
        title="Autumn follow-up",
        purpose="follow_up",
        starts_on=datetime.date(2016, 10, 1),
        ends_on=None,
        dates_are_approximate=True,
        party_size=3,
    )
    undated = make.VisitFactory(
        relationship=xian, title="Some day", starts_on=None, ends_on=None, party_size=None
    )
    make.VisitFactory(relationship=xian, direction="inbound", title="Xi'an delegation visits Derby")
    make.VisitFactory(relationship=xian, status="cancelled", title="Called off")

    rows = rows_of(finance_client.get(EXPORT))

    assert [row["Visit"] for row in rows] == ["Trade mission to Xi'an", "Autumn follow-up", "Some day"]
    first, second, third = rows
    assert first == {
        "Visit": "Trade mission to Xi'an",
        "Destination": "Xi'an, China",
        "Local name": "西安市",
        "Start date": "2016-03-14",
        "End date": "2016-03-18",
        "Dates approximate": "No",
        "Nights": "4",
        # The four who went, not the six first expected.
        "Number travelling": "4",
        "Purpose": "Trade",
        "Status": "Confirmed",
        # Who paid is what the cost items say, each funder with its share.
        "Who paid": "The council £2,999.43",
        "Estimated cost (GBP)": "2999.43",
        "Estimated cost to the council (GBP)": "2999.43",
        "Actual cost (GBP)": "3987.40",
    }
    exact = sum(
        (item.quantity * item.unit_cost for item in trip.cost_items.all()),
        Decimal("0"),
    )
    assert Decimal(first["Estimated cost (GBP)"]) == exact
    # An approximate start and no end: no nights; the three expected; nothing estimated or spent yet.
    expected = {
        "Start date": "2016-10-01",
        "End date": "",
        "Dates approximate": "Yes",
        "Nights": "",
        "Number travelling": "3",
        "Purpose": "Follow-up",
        "Estimated cost (GBP)": "0.00",
        "Estimated cost to the council (GBP)": "0.00",
        "Actual cost (GBP)": "",
    }
    assert {column: second[column] for column in expected} == expected
    assert planned.pk != undated.pk
    assert third["Start date"] == third["End date"] == ""
    assert third["Number travelling"] == ""


def test_cost_to_the_council_counts_only_what_the_council_pays(finance_client: Client, xian: Any) -> None:
    fco = make.OrganisationFactory(name="FCO Prosperity Fund", kind="government")
    funded = make.VisitFactory(
        relationship=xian, title="FCO-funded visit", funder="fco", funder_organisation=fco
    )
    make.CostItemFactory(visit=funded, quantity=Decimal("4"), unit_cost=Decimal("1000.00"), funder="fco")
    shared = make.VisitFactory(relationship=xian, title="Shared costs")
    make.CostItemFactory(visit=shared, quantity=Decimal("4"), unit_cost=Decimal("750.00"), funder="partner")
    make.CostItemFactory(visit=shared, quantity=Decimal("16"), unit_cost=Decimal("62.50"), funder="council")

    rows = {row["Visit"]: row for row in rows_of(finance_client.get(EXPORT))}

    assert (
        rows["FCO-funded visit"]["Who paid"] == "Foreign and Commonwealth Office (FCO Prosperity Fund) £4,000"
    )
    assert rows["Shared costs"]["Who paid"] == "The council £1,000; The partner £3,000"
    assert rows["FCO-funded visit"]["Estimated cost (GBP)"] == "4000.00"
    assert rows["FCO-funded visit"]["Estimated cost to the council (GBP)"] == "0.00"
    assert rows["Shared costs"]["Estimated cost (GBP)"] == "4000.00"
    assert rows["Shared costs"]["Estimated cost to the council (GBP)"] == "1000.00"


def test_a_paying_company_is_named(finance_client: Client, xian: Any) -> None:
    make.VisitFactory(
        relationship=xian,
        title="Aerospace visit",
        funder="company",
        funder_organisation=make.OrganisationFactory(name="Rolls-Royce"),
    )
    (row,) = rows_of(finance_client.get(EXPORT))
    assert row["Who paid"] == "A company (Rolls-Royce)"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.example","Click")', "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"],
)
def test_spreadsheet_safe_quotes_what_would_start_a_formula(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Trade mission", "4000.00", "Xi'an", "a=b", "西安市"])
def test_spreadsheet_safe_leaves_ordinary_text(value: str) -> None:
    assert spreadsheet_safe(value) == value


def test_formulas_in_the_register_reach_the_spreadsheet_as_text(finance_client: Client) -> None:
    place = make.PlaceFactory(name="@SUM(A1)", local_name="-2", country="=1+1")
    relationship = make.RelationshipFactory(place=place)
    company = make.OrganisationFactory(name="=cmd|' /C calc'!A0")
    titles = ['=HYPERLINK("http://evil.example","Click")', "+1", "-2", "@SUM(A1)", "Ordinary visit"]
    for n, title in enumerate(titles):
        visit = make.VisitFactory(
            relationship=relationship,
            title=title,
            starts_on=datetime.date(2016, 1, 1 + n),
            funder="company",
            funder_organisation=company,
        )
        make.CostItemFactory(
            visit=visit, quantity=Decimal("1"), unit_cost=Decimal("1234.50"), funder="company"
        )

    rows = rows_of(finance_client.get(EXPORT))

    assert [row["Visit"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","Click")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "Ordinary visit",
    ]
    for row in rows:
        assert row["Destination"] == "'@SUM(A1), =1+1"
        assert row["Local name"] == "'-2"
        # Text that merely contains a formula after the start is harmless.
        assert row["Who paid"] == "A company (=cmd|' /C calc'!A0) £1,234.50"
        # Numbers the export writes itself stay numbers.
        assert row["Estimated cost (GBP)"] == "1234.50"
        assert row["Start date"].startswith("2016-01-0")


def test_who_may_download_it(
    officer_client: Client, finance_client: Client, leader_client: Client, outsider_client: Client
) -> None:
    assert finance_client.get(EXPORT).status_code == 200
    assert leader_client.get(EXPORT).status_code == 200
    assert officer_client.get(EXPORT).status_code == 200
    assert outsider_client.get(EXPORT).status_code == 403
    response = Client().get(EXPORT)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={EXPORT}"


def test_outsider_sees_no_travel(outsider_client: Client, xian: Any) -> None:
    make.VisitFactory(relationship=xian, title="Trade mission to Xi'an")
    response = outsider_client.get(EXPORT)
    assert response.status_code == 403
    assert b"Trade mission" not in response.content


def _outbound_visits(count: int, relationship: Any) -> None:
    for n in range(count):
        visit = make.VisitFactory(
            relationship=relationship,
            starts_on=datetime.date(2016, 1, 1) + datetime.timedelta(days=n),
            funder_organisation=make.OrganisationFactory() if n % 2 else None,
        )
        make.ParticipantFactory(visit=visit)
        make.ParticipantFactory(visit=visit)
        make.CostItemFactory(visit=visit)
        make.CostItemFactory(visit=visit, funder="fco")


def test_export_queries_do_not_grow_with_visits(finance_client: Client, xian: Any) -> None:
    _outbound_visits(3, xian)
    assert len(rows_of(finance_client.get(EXPORT))) == 3

    assert_queries_do_not_grow(finance_client, EXPORT, lambda: _outbound_visits(197, xian))
    rows = rows_of(finance_client.get(EXPORT))
    assert len(rows) == 200
    assert {row["Estimated cost (GBP)"] for row in rows} == {"2000.00"}
