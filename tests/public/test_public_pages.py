"""The public part of the site: published reports in HTML with their PDF beside
them, and the open data (relationships, overseas travel) as pages, CSV and JSON.

Read as the public reads them: no sign-in, no cookie set, the same page for
everyone, cached until what it shows changes. A walk over every public URL
checks that nothing only signed-in people may see reaches them: no draft or
exempt text, no officer's or contact's name, no e-mail address, no approach.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delegations.models import ParticipantRole
from reports.models import ReportStatus
from tests import factories as make
from tests.support.pages import Page
from tests.support.register import build_register
from tests.support.urls import url_for, walk_urls

pytestmark = pytest.mark.django_db

DRAFT_TEXT = "A draft paragraph nobody outside the council has seen"
EXEMPT_TEXT = "Commercial terms offered by the partner"
OFFICER = "Priya Unpublished-Officer"
MEMBER = "Councillor Jane Member"
NOTE = "Kept in the Lord Mayor's parlour cabinet, key with Priya"


@pytest.fixture
def register(db: Any) -> dict[str, Any]:
    found = build_register()
    make.ParagraphFactory(report=found["report"], section=1, text=DRAFT_TEXT)
    exempt = make.ReportFactory(
        title="Xi'an: commercial terms",
        status=ReportStatus.PUBLISHED,
        is_exempt=True,
        exempt_paragraph=3,
        public_interest_reasoning="The terms are still being negotiated.",
        decision="Cabinet agreed the terms.",
        decision_date=date(2016, 4, 6),
        meeting_date=date(2016, 4, 6),
    )
    make.ParagraphFactory(report=exempt, section=4, text=EXEMPT_TEXT)
    trip = make.VisitFactory(
        relationship=found["relationship"],
        title="Trade mission to Toyota City",
        direction="outbound",
        status="completed",
        starts_on=date(2015, 10, 12),
        ends_on=date(2015, 10, 16),
    )
    make.ParticipantFactory(visit=trip, name=MEMBER, role=ParticipantRole.MEMBER)
    make.ParticipantFactory(visit=trip, name=OFFICER, role=ParticipantRole.OFFICER)
    make.ParticipantFactory(visit=trip, name="A. Business", role=ParticipantRole.BUSINESS)
    make.CostItemFactory(visit=trip, quantity=Decimal("4"), unit_cost=Decimal("650.00"), funder="council")
    make.CostItemFactory(visit=trip, quantity=Decimal("1"), unit_cost=Decimal("900.00"), funder="partner")
    make.GiftFactory(
        description="Toyota City crystal bowl",
        value=Decimal("120.00"),
        counterparty="Mayor of Toyota City",
        on=date(2015, 10, 14),
        declared_on=date(2015, 10, 20),
        recipient_role="The Lord Mayor",
        what_became_of_it="Displayed in the Council House",
        notes=NOTE,
    )
    make.GiftFactory(description="Undeclared tea set", value=Decimal("80.00"), on=date(2015, 10, 14))
    make.GiftFactory(description="Pen below the threshold", value=Decimal("10.00"), declared_on=None)
    return {**found, "exempt_report": exempt, "trip": trip}


def public_urls(register: dict[str, Any]) -> dict[str, str]:
    urls = {name: url_for(name, register) for name in walk_urls() if name.startswith("public:")}
    urls["public:report exempt"] = reverse("public:report", args=[register["exempt_report"].pk])
    return urls


def test_every_public_page_is_read_with_no_sign_in_and_sets_no_cookie(register, client: Client) -> None:
    urls = public_urls(register)
    assert len(urls) >= 10

    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert not response.cookies, f"{name} set {list(response.cookies)}"
        assert response["Cache-Control"].startswith("public"), name
        assert client.head(url).status_code == 200, name


def test_nothing_only_signed_in_people_may_see_reaches_a_public_page(
    register, officer, client: Client
) -> None:
    secrets = {
        "a draft's text": DRAFT_TEXT,
        "an exempt report's text": EXEMPT_TEXT,
        "an officer who travelled": OFFICER,
        "a business traveller": "A. Business",
        "a contact": register["contact"].name,
        "an approach": register["approach"].request,
        "a signed-in person's e-mail": officer.email,
        "a signed-in person's username": officer.username,
        "a draft's title": register["report"].title,
        "an approved, unpublished report": register["approved_report"].title,
        "a gift's internal note": NOTE,
        "a gift not yet declared": "Undeclared tea set",
    }
    leaked = [
        f"{name} shows {what}"
        for name, url in public_urls(register).items()
        for what, secret in secrets.items()
        if secret in client.get(url).content.decode("utf-8-sig")
    ]
    assert leaked == []


def test_a_published_report_reads_as_its_pdf_with_the_pdf_and_the_decision_beside_it(
    register, client
) -> None:
    report = register["published_report"]
    page = Page(client.get(reverse("public:report", args=[report.pk])))

    assert page.root.find_all("h1")[0].text == report.title
    assert "1.1 Osnabrück and Derby were twinned in 1976." in page.text
    link = [a for a in page.root.find_all("a") if a.text.startswith("Download this report as a PDF")]
    assert link and link[0].attrs["href"] == reverse("public:report-pdf", args=[report.pk])
    assert "(PDF, " in page.text and "1 page)" in page.text
    assert "Cabinet agreed to mark fifty years of the link." in page.text
    pdf = client.get(reverse("public:report-pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(register["published_rendering"].pdf)


def test_an_exempt_report_shows_only_its_title_paragraph_and_reasoning(register, client) -> None:
    exempt = register["exempt_report"]
    page = Page(client.get(reverse("public:report", args=[exempt.pk])))

    assert exempt.title in page.text
    assert "paragraph 3 of Schedule 12A" in page.text
    assert "The terms are still being negotiated." in page.text
    assert EXEMPT_TEXT not in page.text
    # Nor its decision record, which the feed withholds too: what was agreed may be the exempt part.
    assert "Cabinet agreed the terms." not in page.text
    assert "Decision" not in [heading.text.strip() for heading in page.root.find_all("h2")]
    assert client.get(reverse("public:report-pdf", args=[exempt.pk])).status_code == 404


@pytest.mark.parametrize("kind", ["report", "approved_report"])
def test_a_report_not_published_is_not_found(register, client, kind: str) -> None:
    report = register[kind]
    assert client.get(reverse("public:report", args=[report.pk])).status_code == 404
    assert client.get(reverse("public:report-pdf", args=[report.pk])).status_code == 404


def test_the_index_lists_published_reports_by_meeting_newest_first(register, client) -> None:
    page = Page(client.get(reverse("public:index")))

    assert page.column("Report") == ["Xi'an: commercial terms (exempt)", register["published_report"].title]


def test_overseas_travel_names_elected_members_and_counts_everyone_else(register, client) -> None:
    rows = json.loads(client.get(reverse("public:travel-json")).content)["rows"]

    (trip,) = [row for row in rows if row["Visit"] == "Trade mission to Toyota City"]
    assert trip["Elected Members"] == MEMBER
    assert trip["Others who travelled"] == "1 officer, 1 business representative"
    assert trip["Party size"] == 3
    assert trip["Estimated cost to the council (GBP)"] == "2600.00"
    # A visit not yet completed is not published.
    assert register["visit"].title not in [row["Visit"] for row in rows]


def test_relationships_list_those_entered_into_not_approaches(register, client) -> None:
    chengdu = make.PlaceFactory(name="Chengdu", country="China")
    make.RelationshipFactory(place=chengdu, status="approach_received")
    make.RelationshipFactory(
        place=make.PlaceFactory(name="Osnabrück", country="Germany"), status="dormant", established_year=1976
    )

    page = Page(client.get(reverse("public:relationships")))

    assert "Chengdu" not in page.column("Place")
    assert "Osnabrück" in page.column("Place")
    assert register["place"].name in page.column("Place")


def test_each_dataset_downloads_as_csv_and_json_under_the_open_government_licence(register, client) -> None:
    for slug in ("relationships", "travel"):
        data = json.loads(client.get(reverse(f"public:{slug}-json")).content)
        assert data["licence"] == "Open Government Licence v3.0"
        assert date.fromisoformat(data["taken_at"][:10]) == timezone.localdate()
        text = client.get(reverse(f"public:{slug}-csv")).content.decode("utf-8-sig")
        header, *rows = list(csv.reader(io.StringIO(text)))
        assert header == list(data["rows"][0])
        assert len(rows) == len(data["rows"])
        page = Page(client.get(reverse(f"public:{slug}")))
        assert "Open Government Licence v3.0" in page.text


def test_a_public_page_is_served_from_the_cache_until_what_it_shows_changes(register, client) -> None:
    url = reverse("public:relationships")
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"

    register["place"].name = "Toyota"
    register["place"].save()

    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert "Toyota" in Page(fresh).column("Place")


def _declare_the_tea_set(register: dict[str, Any]) -> str:
    from delegations.models import Gift

    gift = Gift.objects.get(description="Undeclared tea set")
    gift.declared_on = date(2015, 10, 21)
    gift.save()
    return "Undeclared tea set"


def _send_another_member(register: dict[str, Any]) -> str:
    make.ParticipantFactory(visit=register["trip"], name="Councillor Sam Second", role=ParticipantRole.MEMBER)
    return "Councillor Sam Second"


def _reword_the_decision(register: dict[str, Any]) -> str:
    report = register["published_report"]
    report.decision = "Cabinet agreed to mark fifty years with a civic visit."
    report.save()
    return "fifty years with a civic visit"


@pytest.mark.parametrize(
    ("page", "change"),
    [
        ("public:gifts", _declare_the_tea_set),
        ("public:travel", _send_another_member),
        ("public:report", _reword_the_decision),
    ],
)
def test_each_public_page_is_made_afresh_when_a_record_it_shows_changes(
    register, client, page, change
) -> None:
    url = url_for(page, register)
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"

    shown = change(register)

    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert shown in Page(fresh).text


def test_a_made_up_query_string_is_served_the_page_s_one_cached_copy(register, client) -> None:
    url = reverse("public:index")
    assert client.get(url)["X-Cache"] == "miss"

    assert client.get(url, {"utm_source": "newsletter"})["X-Cache"] == "hit"
    assert client.get(url, {"x": "1" * 200})["X-Cache"] == "hit"


def test_the_feed_read_at_each_of_the_council_s_host_names_links_to_that_host(
    register, client, settings
) -> None:
    settings.ALLOWED_HOSTS = ["twinning.derby.example", "twinning.example.org"]
    url = reverse("public:report-feed")

    first = client.get(url, HTTP_HOST="twinning.derby.example").content.decode()
    second = client.get(url, HTTP_HOST="twinning.example.org")

    assert "http://twinning.derby.example/" in first
    assert second["X-Cache"] == "miss"
    assert "http://twinning.example.org/" in second.content.decode()
    assert "twinning.derby.example" not in second.content.decode()


def test_the_gifts_register_lists_declared_gifts_with_giver_recipient_role_and_outcome(
    register, client
) -> None:
    rows = json.loads(client.get(reverse("public:gifts-json")).content)["rows"]

    assert [row["What"] for row in rows] == ["Toyota City crystal bowl"]
    (bowl,) = rows
    assert (bowl["Estimated value (GBP)"], bowl["Given by"], bowl["Received by (role)"]) == (
        "120.00",
        "Mayor of Toyota City",
        "The Lord Mayor",
    )
    assert bowl["What was done with it"] == "Displayed in the Council House"
    assert bowl["Declared on"] == "2015-10-20"


def test_published_reports_come_as_an_atom_feed(register, client, settings) -> None:
    settings.COUNCIL_NAME = "Derby City Council"
    response = client.get(reverse("public:report-feed"))

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert "<title>Derby City Council: international twinning reports and decisions</title>" in feed
    assert register["published_report"].title in feed
    assert "Cabinet agreed to mark fifty years of the link." in feed
    assert "Not published: exempt under paragraph 3 of Schedule 12A." in feed
    assert EXEMPT_TEXT not in feed and register["approved_report"].title not in feed


def test_every_public_page_but_the_index_has_a_breadcrumb_trail_back_to_it(register, client) -> None:
    index = reverse("public:index")
    for name, url in public_urls(register).items():
        if name.endswith(("-csv", "-json", "-pdf", "-feed")):
            continue
        page = Page(client.get(url))
        (trail,) = page.root.find_all("nav", **{"aria-label": "Breadcrumb"}) or [None]
        if url == index:
            assert trail is None, "the index is where the trail starts"
            continue
        assert trail is not None, f"{name} has no breadcrumb trail"
        first, *_, here = trail.find_all("li")
        assert first.find_all("a")[0].attrs["href"] == index
        assert here.attrs.get("aria-current") == "page" and here.text == page.root.find_all("h1")[0].text


def test_a_blank_cell_in_a_public_table_is_read_out_as_none_given(register, client) -> None:
    make.VisitFactory(
        relationship=register["relationship"], title="Undated visit", direction="outbound", status="completed"
    )

    page = Page(client.get(reverse("public:travel")))

    visits = page.column("Visit")
    # Seen as a dash, heard as "none given".
    row = visits.index("Undated visit")
    assert page.column("Elected Members")[row] == "–"
    cell = page.root.find_all("tbody")[0].find_all("tr")[row].find_all("td")
    assert any(node.text == "–none given" for node in cell)


def test_the_report_page_offers_the_pdf_as_soon_as_the_worker_has_made_it(
    register, client, django_capture_on_commit_callbacks
) -> None:
    from reports.models import Rendering, RenderingStatus
    from reports.services import rendering_run

    report = register["published_report"]
    Rendering.objects.filter(report=report).delete()
    waiting = Rendering.objects.create(
        report=report, report_version=report.version, status=RenderingStatus.QUEUED
    )
    url = reverse("public:report", args=[report.pk])
    assert "The PDF of this report is being made" in Page(client.get(url)).text
    assert client.get(url)["X-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):  # as the worker's commit does
        assert rendering_run(rendering_id=waiting.pk) == RenderingStatus.READY

    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert Page(fresh).link(f"Download this report as a PDF ({report.title})") == reverse(
        "public:report-pdf", args=[report.pk]
    )


def test_a_report_titled_like_the_index_still_has_its_trail_back(register, client) -> None:
    from public.views import INDEX_TITLE

    report = register["published_report"]
    report.title = INDEX_TITLE
    report.save()

    page = Page(client.get(reverse("public:report", args=[report.pk])))

    assert page.root.find_all("nav", **{"aria-label": "Breadcrumb"})
