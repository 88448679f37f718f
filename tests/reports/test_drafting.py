"""Options papers drafted from the register carry the register's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.document import build_document
from reports.drafting import report_draft_from_register
from reports.models import ReportStatus
from tests import factories as make

pytestmark = pytest.mark.django_db


def _texts(report, part: str = "body", section: int | None = None) -> list[str]:
    document = build_document(report)
    sections = document.body if part == "body" else document.implications
    return [
        f"{item.number} {item.text}"
        for s in sections
        if section is None or s.number == section
        for item in s.paragraphs
    ]


def _draft(meeting_date: date = date(2016, 1, 13), by=None):
    return report_draft_from_register(
        meeting_date=meeting_date, title="Options for twinning", report_of="the Director", by=by
    )


def test_the_draft_says_its_facts_date_and_is_an_ordinary_draft() -> None:
    report = _draft()
    assert report.status == ReportStatus.DRAFT
    assert report.facts_as_at == timezone.localdate()
    assert report.sign_offs.count() == 6
    assert f"{timezone.localdate().day} {timezone.localdate():%B %Y}" in " ".join(_texts(report, section=1))


def test_supporting_information_comes_from_relationships_approaches_and_visits() -> None:
    xian = make.PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    link = make.RelationshipFactory(place=xian, kind="economic", status="active", established_year=2005)
    hefei = make.PlaceFactory(name="Hefei", local_name="合肥市", country="China")
    make.ApproachFactory(
        place=hefei,
        request="Asks for a delegation visit in October",
        received_on=date(2015, 9, 1),
        respond_by=date(2015, 9, 30),
    )
    visit = make.VisitFactory(
        relationship=link,
        title="Exploratory visit to China",
        status="proposed",
        funder="fco",
        party_size=4,
    )
    make.CostItemFactory(visit=visit, quantity=Decimal("16"), unit_cost=Decimal("250.00"), funder="fco")

    supporting = " ".join(_texts(_draft(), section=4))

    assert "Xi'an (西安市), China: an economic relationship, active. It was established in 2005" in supporting
    assert "An approach from Hefei (合肥市)" in supporting and "due by 30 September 2015" in supporting
    assert "Exploratory visit to China" in supporting and "£4,000" in supporting


def test_financial_implications_follow_the_budget_lines_and_the_next_draft_changes_with_them() -> None:
    line = make.BudgetLineFactory(
        financial_year__start_year=2016, amount=Decimal("5000.00"), funding_source="council"
    )
    make.BudgetLineFactory(
        financial_year__start_year=2017, amount=Decimal("20000.00"), funding_source="council"
    )

    first = " ".join(_texts(_draft(), part="implications", section=1))
    assert "2016–17: £5,000 proposed from council revenue" in first
    assert "2017–18: £20,000 proposed from council revenue" in first

    line.amount = Decimal("7500.00")
    line.save()
    second = " ".join(_texts(_draft(), part="implications", section=1))
    assert "2016–17: £7,500 proposed" in second
    assert "£5,000" not in second


def test_a_visit_paid_by_the_fco_costs_the_council_nothing_in_the_draft() -> None:
    visit = make.VisitFactory(title="Exploratory visit to China", status="proposed", funder="fco")
    make.CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("4000.00"), funder="fco")

    financial = " ".join(_texts(_draft(), part="implications", section=1))

    assert "Exploratory visit to China is estimated at £4,000" in financial
    assert (
        "Exploratory visit to China is estimated at £4,000, paid in full by the Foreign and "
        "Commonwealth Office: it would cost the council nothing." in financial
    )
    assert "£0" not in financial


def test_a_visit_split_between_funders_says_what_each_pays_in_the_draft() -> None:
    visit = make.VisitFactory(title="Trade mission to Xi'an", status="proposed", funder="fco")
    make.CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("1704.32"), funder="council")
    make.CostItemFactory(visit=visit, quantity=Decimal("1"), unit_cost=Decimal("2749.80"), funder="fco")
    visit.funder_organisation = make.OrganisationFactory(name="Foreign and Commonwealth Office")
    visit.save()
    paid_by_one = make.VisitFactory(title="Return visit", status="confirmed", funder="council")
    make.CostItemFactory(
        visit=paid_by_one, quantity=Decimal("2"), unit_cost=Decimal("300.00"), funder="council"
    )

    supporting = " ".join(_texts(_draft(), section=4))

    assert (
        "Its estimated cost is £4,454.12: £1,704.32 from the council and £2,749.80 from the "
        "Foreign and Commonwealth Office." in supporting
    )
    assert "Its estimated cost is £600, paid in full by the council." in supporting
    assert "pays." not in supporting


def test_recommendations_are_the_open_actions_in_due_order() -> None:
    make.ActionFactory(title="Meet the Zhejiang delegation", due_on=date(2015, 9, 16))
    make.ActionFactory(title="Talk to Rolls-Royce", due_on=date(2015, 10, 1))
    make.ActionFactory(title="Already done", status="done")

    recommendations = _texts(_draft(meeting_date=date(2015, 9, 9)), section=2)

    assert recommendations == [
        "2.1 Meet the Zhejiang delegation, by 16 September 2015.",
        "2.2 Talk to Rolls-Royce, by 1 October 2015.",
    ]


def test_a_recommendation_due_before_the_paper_says_it_is_still_open_not_by_a_past_date() -> None:
    make.ActionFactory(title="Meet the Zhejiang delegation", due_on=date(2015, 9, 16))
    make.ActionFactory(title="Talk to Rolls-Royce", due_on=date(2015, 12, 1))

    recommendations = _texts(_draft(meeting_date=date(2015, 11, 11)), section=2)

    assert recommendations == [
        "2.1 Meet the Zhejiang delegation; this was due by 16 September 2015 and is still open.",
        "2.2 Talk to Rolls-Royce, by 1 December 2015.",
    ]


def test_an_officer_drafts_one_over_the_web_and_others_may_not(officer_client, finance_client) -> None:
    url = reverse("reports:draft-from-register")
    data = {"meeting_date": "2016-01-13", "title": "Options for twinning", "report_of": "the Director"}
    assert finance_client.post(url, data).status_code == 403
    response = officer_client.post(url, data)
    assert response.status_code == 302
    page = officer_client.get(response["Location"]).content.decode()
    assert "Options for twinning" in page and "Facts as at" in page


def test_a_draft_without_a_title_is_refused_and_nothing_is_saved(officer_client) -> None:
    from reports.models import Report

    url = reverse("reports:draft-from-register")
    response = officer_client.post(
        url, {"meeting_date": "2016-01-13", "title": "   ", "report_of": "the Director"}
    )
    assert response.status_code == 200
    assert (
        "Give the report a title." in response.content.decode()
        or "This field is required." in response.content.decode()
    )
    assert not Report.objects.exists()


def test_the_draft_prints_the_budget_as_a_table_with_headers() -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from reports.rendering import report_html, report_pdf

    make.BudgetLineFactory(
        financial_year__start_year=2016, amount=Decimal("5000.00"), funding_source="council"
    )
    make.BudgetLineFactory(financial_year__start_year=2015, amount=Decimal("4000.00"), funding_source="fco")
    report = _draft()

    assert [row["year"] for row in report.budget_figures] == ["2015–16", "2016–17"]
    html = report_html(report)
    assert '<th scope="col">Council revenue</th>' in html
    assert '<th scope="row">2016–17</th><td class="money">£5,000</td>' in html
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(report_pdf(report).content)).pages)
    assert "Budget for twinning by financial year" in text
    assert "£4,000" in text and "£5,000" in text


def test_the_draft_gives_each_open_approachs_triage_scores_and_reasons(officer) -> None:
    from partners.models import TriageCriterion
    from partners.services import ScoreGiven, approach_score

    zhejiang = make.ApproachFactory(
        place=make.PlaceFactory(name="Zhejiang", local_name="浙江省"), request="Asks for a link"
    )
    make.ApproachFactory(place=make.PlaceFactory(name="Osaka", local_name="大阪市"), request="Asks to visit")
    criteria = {c.name: c for c in TriageCriterion.objects.all()}
    approach_score(
        approach=zhejiang,
        scores=[
            ScoreGiven(criteria["Economic similarity"], 4, "Automotive and rail, as in Derby."),
            ScoreGiven(criteria["External funding"], 2, "The consulate may pay for one visit"),
        ],
        by=officer,
    )

    supporting = " ".join(_texts(_draft(), section=4))

    assert (
        "Against the council's twinning criteria the approach from Zhejiang scores 14 of a possible 55: "
        "economic similarity 4 of 5 (Automotive and rail, as in Derby); "
        "external funding 2 of 5 (The consulate may pay for one visit)." in supporting
    )
    assert "the approach from Osaka scores" not in supporting


def test_an_approach_longer_than_a_paragraph_may_be_is_drafted_over_several_paragraphs() -> None:
    # A long letter pasted in whole as what was asked: 80 sentences of 80 characters.
    sentences = [
        f"Sentence {n:02d} of the letter from Hefei asks the council to consider a visit." for n in range(80)
    ]
    letter = " ".join(sentences)
    make.ApproachFactory(place=make.PlaceFactory(name="Hefei", local_name="合肥市"), request=letter)

    report = _draft()

    supporting = [
        p.text
        for p in report.paragraphs.filter(part="body", section=4).order_by("position")
        if "letter from Hefei" in p.text
    ]
    assert len(supporting) == 2
    assert max(len(text) for text in supporting) <= 5000
    # Split at a sentence's end, every word kept, in order.
    assert supporting[0].endswith(".") and supporting[1].startswith("Sentence ")
    assert " ".join(supporting).startswith("An approach from Hefei (合肥市)")
    assert letter.removesuffix(".") in " ".join(supporting)


# --- Each generated sentence, in its variants ------------------------------------------------


def test_years_are_counted_from_the_paper_s_date_not_the_day_it_was_drafted() -> None:
    toyota = make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    make.RelationshipFactory(place=toyota, kind="civic", status="active", established_year=2000)
    xian = make.PlaceFactory(name="Xi'an", country="China")
    make.RelationshipFactory(place=xian, kind="economic", status="active", established_year=2014)
    hefei = make.PlaceFactory(name="Hefei", country="China")
    make.RelationshipFactory(place=hefei, kind="economic", status="exploring", established_year=2015)

    supporting = " ".join(_texts(_draft(meeting_date=date(2015, 11, 11)), section=4))

    assert "It was established in 2000 (15 years ago)." in supporting
    assert "It was established in 2014 (a year ago)." in supporting
    assert "It was established in 2015." in supporting
    assert "26 years" not in supporting


def test_organisations_are_named_with_their_roles_without_the_register_s_paragraph_references() -> None:
    toyota = make.PlaceFactory(name="Toyota City", country="Japan")
    link = make.RelationshipFactory(place=toyota, kind="civic", status="active")
    make.StakeholderFactory(
        relationship=link,
        organisation=make.OrganisationFactory(name="Toyota City Council"),
        role="Partner council (para 4.2)",
    )
    make.StakeholderFactory(
        relationship=link,
        organisation=make.OrganisationFactory(name="Consulate-General Shanghai"),
        role="Can arrange the visit at FCO expense (rec. 2.2, para 4.10)",
    )
    make.StakeholderFactory(
        relationship=link, organisation=make.OrganisationFactory(name="CBBC"), role="(para 4.8)"
    )

    supporting = " ".join(_texts(_draft(), section=4))

    assert (
        "Organisations involved: CBBC, Consulate-General Shanghai (Can arrange the visit at FCO "
        "expense) and Toyota City Council (Partner council)." in supporting
    )
    assert "para" not in supporting


def test_an_approach_says_whether_its_response_was_due_before_the_paper() -> None:
    hefei = make.PlaceFactory(name="Hefei", country="China")
    make.ApproachFactory(
        place=hefei,
        request="Asks for a delegation visit in October (Cabinet report 9 September 2015, para 4.10).",
        received_on=date(2015, 9, 1),
        respond_by=date(2015, 9, 30),
    )
    chengdu = make.PlaceFactory(name="Chengdu", country="China")
    make.ApproachFactory(
        place=chengdu,
        request="Asks about aerospace links",
        received_on=date(2015, 11, 1),
        respond_by=date(2015, 12, 1),
    )

    supporting = " ".join(_texts(_draft(meeting_date=date(2015, 11, 11)), section=4))

    assert "Asks for a delegation visit in October. A response was due by 30 September 2015." in supporting
    assert "Asks about aerospace links. A response is due by 1 December 2015." in supporting
    assert "overdue" not in supporting


def test_the_financial_implications_say_who_pays_each_visit_in_words() -> None:
    fco_paid = make.VisitFactory(title="Exploratory visit to China", status="proposed", funder="fco")
    make.CostItemFactory(visit=fco_paid, quantity=Decimal("1"), unit_cost=Decimal("4000.00"), funder="fco")
    ours = make.VisitFactory(title="Civic visit to Toyota City", status="confirmed", funder="council")
    make.CostItemFactory(visit=ours, quantity=Decimal("2"), unit_cost=Decimal("750.00"), funder="council")
    shared = make.VisitFactory(title="Trade mission to Xi'an", status="proposed", funder="council")
    make.CostItemFactory(visit=shared, quantity=Decimal("1"), unit_cost=Decimal("1704.32"), funder="council")
    make.CostItemFactory(visit=shared, quantity=Decimal("1"), unit_cost=Decimal("2749.80"), funder="fco")

    financial = " ".join(_texts(_draft(), part="implications", section=1))

    assert (
        "Exploratory visit to China is estimated at £4,000, paid in full by the Foreign and "
        "Commonwealth Office: it would cost the council nothing." in financial
    )
    assert "Civic visit to Toyota City is estimated at £1,500, paid in full by the council." in financial
    assert (
        "Trade mission to Xi'an is estimated at £4,454.12: £1,704.32 from the council and £2,749.80 "
        "from the Foreign and Commonwealth Office." in financial
    )


def test_each_budget_row_says_what_its_lines_are() -> None:
    make.BudgetLineFactory(financial_year__start_year=2016, amount=Decimal("5000.00"), approved=True)
    make.BudgetLineFactory(financial_year__start_year=2017, amount=Decimal("20000.00"))
    year = make.BudgetLineFactory(financial_year__start_year=2018, amount=Decimal("20000.00"), approved=True)
    make.BudgetLineFactory(financial_year=year.financial_year, amount=Decimal("2000.00"))

    rows = {row["year"]: row["status"] for row in _draft().budget_figures}

    assert rows == {"2016–17": "Approved", "2017–18": "Proposed", "2018–19": "Partly approved"}


def test_the_contact_box_names_the_officer_who_drafted_it(officer) -> None:
    report = _draft(by=officer)

    assert report.author_name == officer.get_full_name()
    assert report.contact_email == officer.email


def test_a_visit_dated_before_the_paper_says_it_was_planned_then_and_is_still_proposed() -> None:
    make.VisitFactory(
        title="Zhejiang Province delegation to Derby", status="proposed", starts_on=date(2015, 9, 15)
    )
    make.VisitFactory(
        title="Hefei City delegation to Derby",
        status="confirmed",
        starts_on=date(2015, 12, 1),
        dates_are_approximate=True,
    )

    supporting = " ".join(_texts(_draft(meeting_date=date(2015, 11, 11)), section=4))

    assert (
        "Zhejiang Province delegation to Derby, which was planned for 15 September 2015 and is still "
        "recorded as proposed." in supporting
    )
    assert "Hefei City delegation to Derby, about 1 December 2015." in supporting
