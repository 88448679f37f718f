"""Other records' ids: every URL that names a record, tried with a record of
the second register (every one of whose names carries OTHER), as each persona.

Those who may not see a kind of record get 403 or 404 (the anonymous visitor
the sign-in page) and never a word of it; those who may see it get the record
the URL names and no other. Records of a kind a role may change but that
are not open to change (an approved report, a decided budget line, a PDF that
has not failed) are refused with nothing written; a URL under a parent (a
visit's participants, a report's paragraphs and sign-offs, a line's spend, a
relationship's stakeholders and cost shares) puts what is posted under that
parent whatever the post says; a calendar address that is not a live one
shows nothing.
"""

from __future__ import annotations

from email.message import Message
from typing import Any
from urllib.parse import quote, urldefrag

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from budgets.models import BudgetLine, CostShare, LineStatus, Spend
from core import roles
from delegations.models import CalendarFeed, CostItem, Meeting, Participant, Visit, VisitFollowUp
from overview.models import UserSettings
from partners.models import ApproachScore, Place, Stakeholder
from partners.selectors import active_criteria
from reports.models import Paragraph, Rendering, Report, SignOff
from tests.support import hostile
from tests.support.database import row_counts, rows
from tests.support.matrix import MATRIX
from tests.support.register import OTHER, PERSONAS, calendar_owner, client_for
from tests.support.submissions import VALID, cost_share_rows, sign_off_rows
from tests.support.urls import url_for, walk_urls

R = dict[str, Any]


# --- Every URL with an id, with an id from the other register ----------------------------


def urls_with_ids() -> dict[str, Any]:
    return {name: pattern for name, pattern in walk_urls().items() if pattern.pattern.converters}


def other_url(name: str, other: R) -> str:
    """``name`` filled in with the other register's record of the kind the URL names."""
    return url_for(name, other, feed_owner=f"{OTHER.lower()}-calendar")


def test_every_url_with_an_id_is_tried() -> None:
    """Each URL naming a record has a row in the role matrix this file reads who may see what from."""
    missing = sorted(set(urls_with_ids()) - set(MATRIX))
    assert not missing, "URLs with an id that the role matrix does not list: " + ", ".join(missing)
    assert len(urls_with_ids()) > 40


def text_of(response: Any) -> str:
    """What a response says: a page's or a file's text, a workbook's cells."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", "") and response.status_code == 200:
        return "\n".join(str(cell) for row in hostile.xlsx_rows(raw) for cell in row)
    return raw.decode("utf-8", "replace")


def _state() -> dict[str, Any]:
    return {
        "counts": row_counts(),
        **rows(Place, Visit, Participant, Meeting, CostItem, BudgetLine, Spend, Report, Paragraph, SignOff),
        "renderings": list(
            Rendering.objects.order_by("pk").values("pk", "status", "attempts", "requested_by")
        ),
        "feeds": list(CalendarFeed.objects.order_by("pk").values("user", "token")),
    }


@pytest.mark.parametrize("name", sorted(urls_with_ids()))
def test_another_record_s_id(name: str, two_registers: tuple[R, R]) -> None:
    """GET pages show the other record to those who may see it and nothing of it to anyone else;
    POST-only buttons refuse those who may not press them, writing nothing."""
    _, other = two_registers
    address = other_url(name, other)
    method = "POST" if MATRIX[name]["GET"]["officer"] == 405 else "GET"
    problems: list[str] = []
    for persona in PERSONAS:
        expected = MATRIX[name][method][persona]
        if method == "POST" and expected != 403 and persona != "anonymous":
            continue  # those who may press the button: see the tests below
        client = other["clients"][persona]
        before = _state() if method == "POST" else None
        response = client.post(address) if method == "POST" else client.get(address)
        body = text_of(response)
        status = response.status_code
        # The public pages show a published record to anyone, as the matrix says.
        if persona == "anonymous" and name != "delegations:calendar-feed" and not name.startswith("public:"):
            if (status, response.get("Location")) != (302, f"{reverse('login')}?next={quote(address)}"):
                problems.append(f"anonymous: {status} {response.get('Location')}, expected the sign-in page")
        elif status != expected:
            problems.append(f"{persona}: {status}, expected {expected}")
        if status == 200:
            if OTHER not in body:
                problems.append(f"{persona}: the page does not show the record {address} names")
        elif OTHER in body:
            problems.append(f"{persona}: refused with {status} but the page shows the record")
        if before is not None and _state() != before:
            problems.append(f"{persona}: refused with {status} but something was written")
    assert not problems, f"{method} {address} ({name}):\n" + "\n".join(problems)


# --- The calendar feed: the address is the key ---------------------------------------------


def test_a_calendar_address_that_is_not_live_shows_nothing(two_registers: tuple[R, R]) -> None:
    _, other = two_registers
    live = calendar_owner("lena-calendar")
    replaced = calendar_owner("replaced-calendar")
    old_token = replaced.token
    client_for(replaced.user, crash_as_500=True).post(reverse("delegations:calendar-regenerate"))
    no_role = calendar_owner("no-role-calendar", role=None)
    lapsed = calendar_owner("lapsed-calendar")
    lapsed.user.groups.remove(Group.objects.get(name=roles.LEADERS_OFFICE))
    left = calendar_owner("left-calendar")
    left.user.is_active = False
    left.user.save()
    token = live.token
    tokens = {
        "live": token,
        "replaced": old_token,
        "someone without a role": no_role.token,
        "someone whose role was taken away": lapsed.token,
        "someone who left": left.token,
        "in capitals": token.upper(),
        "lower case": token.lower(),
        "shortened": token[:-1],
        "lengthened": token + "A",
        "made up": "A" * len(token),
    }
    anonymous = other["clients"]["anonymous"]
    got = {}
    for label, value in tokens.items():
        if label in ("in capitals", "lower case") and value == token:
            continue  # the token has no letters of that case to change
        response = anonymous.get(reverse("delegations:calendar-feed", args=[value]))
        body = response.content.decode()
        got[label] = (response.status_code, OTHER in body)
    expected = dict.fromkeys(got, (404, False))
    expected["live"] = (200, True)
    assert got == expected


def test_a_new_calendar_address_is_only_ever_one_s_own(two_registers: tuple[R, R]) -> None:
    mine, _ = two_registers
    officer, leader = mine["personas"]["officer"], mine["personas"]["leader"]
    feeds = {user: CalendarFeed.objects.get_or_create(user=user)[0].token for user in (officer, leader)}
    response = client_for(officer, crash_as_500=True).post(
        reverse("delegations:calendar-regenerate"), {"user": leader.pk, "token": feeds[leader]}
    )
    assert response.status_code == 302
    assert CalendarFeed.objects.get(user=leader).token == feeds[leader]
    assert CalendarFeed.objects.get(user=officer).token != feeds[officer]


# --- PDFs: only a ready one downloads, and only its own report's ----------------------------


@pytest.mark.parametrize("kind", ["failed_rendering", "queued_rendering"])
def test_a_pdf_that_is_not_ready_does_not_download(kind: str, two_registers: tuple[R, R]) -> None:
    _, other = two_registers
    address = reverse("reports:rendering-download", args=[other[kind].pk])
    for persona in PERSONAS:
        response = other["clients"][persona].get(address)
        expected = 302 if persona == "anonymous" else 404
        assert response.status_code == expected, persona
        assert response.get("Content-Type", "").split(";")[0] != "application/pdf", persona


def test_each_pdf_downloads_as_its_own_report(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    client = mine["clients"]["leader"]
    for register in (mine, other):
        rendering = register["rendering"]
        response = client.get(reverse("reports:rendering-download", args=[rendering.pk]))
        assert response.status_code == 200
        assert bytes(response.content) == bytes(Rendering.objects.get(pk=rendering.pk).pdf)
        disposition = Message()
        disposition["Content-Disposition"] = response["Content-Disposition"]
        assert disposition.get_filename() == register["report"].pdf_filename
        page = client.get(reverse("reports:rendering-detail", args=[rendering.pk])).content.decode()
        assert register["report"].title in page
    assert (OTHER in mine["report"].title, OTHER in other["report"].title) == (False, True)


@pytest.mark.parametrize("kind", ["rendering", "queued_rendering"])
def test_only_a_failed_pdf_is_tried_again(kind: str, two_registers: tuple[R, R]) -> None:
    _, other = two_registers
    before = _state()
    for persona in ("officer", "leader"):
        response = other["clients"][persona].post(reverse("reports:rendering-retry", args=[other[kind].pk]))
        assert response.status_code == 302, persona
    assert _state() == before


# --- Reports that are no longer drafts --------------------------------------------------------


def frozen_report_posts(other: R) -> dict[str, tuple[str, dict[str, Any]]]:
    report, paragraph = other["approved_report"], other["approved_paragraph"]
    return {
        "reports:report-update": (
            reverse("reports:report-update", args=[report.pk]),
            {"title": "Rewritten after approval", "meeting_date": "2015-07-15", "version": report.version},
        ),
        "reports:paragraph-add": (
            reverse("reports:paragraph-add", args=[report.pk]),
            {"paragraph-where": "body:2", "paragraph-text": "Slipped in after approval."},
        ),
        "reports:paragraph-update": (
            reverse("reports:paragraph-update", args=[paragraph.pk]),
            {"paragraph-where": "body:1", "paragraph-text": "Changed after approval."},
        ),
        "reports:paragraph-move": (
            reverse("reports:paragraph-move", args=[paragraph.pk]),
            {"direction": "down"},
        ),
        "reports:paragraph-delete": (reverse("reports:paragraph-delete", args=[paragraph.pk]), {}),
        "reports:sign-offs": (reverse("reports:sign-offs", args=[report.pk]), sign_off_rows(report)),
    }


@pytest.mark.parametrize("persona", ["officer", "finance", "leader", "administrator", "outsider"])
def test_an_approved_report_cannot_be_changed(persona: str, two_registers: tuple[R, R]) -> None:
    """Officers are sent back to the report with nothing changed; everyone else is refused first."""
    _, other = two_registers
    client = other["clients"][persona]
    before = _state()
    for name, (address, data) in frozen_report_posts(other).items():
        response = client.post(address, data)
        if persona == "officer":
            assert (response.status_code, response["Location"]) == (
                302,
                other["approved_report"].get_absolute_url(),
            ), name
        else:
            assert response.status_code == 403, name
    assert _state() == before


def test_decisions_on_a_report_in_the_wrong_state_change_nothing(two_registers: tuple[R, R]) -> None:
    """A draft is not published nor given a decision record nor revised; an approved report is not approved again."""
    _, other = two_registers
    draft, approved = other["report"], other["approved_report"]
    leader, officer = other["clients"]["leader"], other["clients"]["officer"]
    before = _state()
    refused = {
        "publish a draft": leader.post(
            reverse("reports:report-publish", args=[draft.pk]), {"version": draft.version}
        ).status_code,
        "approve an approved report": leader.post(
            reverse("reports:report-approve", args=[approved.pk]), {"version": approved.version}
        ).status_code,
        "decision record of a draft": leader.post(
            reverse("reports:decision-record", args=[draft.pk]),
            {"decision": "Agreed.", "decision_date": "2015-09-09", "version": draft.version},
        ).status_code,
        "revise a draft": officer.post(reverse("reports:report-revise", args=[draft.pk])).status_code,
    }
    assert refused == {
        "publish a draft": 400,
        "approve an approved report": 400,
        "decision record of a draft": 302,
        "revise a draft": 302,
    }
    assert _state() == before


# --- Budgets: decided lines, and spend that is not awaiting a decision ---------------------------


def test_decided_lines_and_settled_spend_are_not_decided_again(two_registers: tuple[R, R]) -> None:
    _, other = two_registers
    finance, officer = other["clients"]["finance"], other["clients"]["officer"]
    before = _state()
    statuses = {}
    for kind in ("line", "rejected_line"):
        line = other[kind]
        statuses[f"decide the {kind.replace('_', ' ')}"] = finance.post(
            reverse("budgets:line-decide", args=[line.pk]),
            {"to_status": "approved", "note": "Again.", "version": line.version},
        ).status_code
    spend = other["spend"]
    statuses["override spend that asked for none"] = finance.post(
        reverse("budgets:spend-override", args=[spend.pk]),
        {"to_status": "granted", "note": "Why not.", "version": spend.version},
    ).status_code
    statuses["record spend on a rejected line"] = officer.post(
        reverse("budgets:spend-create", args=[other["rejected_line"].pk]),
        {"description": "Stands", "amount": "100.00", "spent_on": "2014-10-01", "status": "estimated"},
    ).status_code
    assert statuses == {
        "decide the line": 400,
        "decide the rejected line": 400,
        "override spend that asked for none": 400,
        "record spend on a rejected line": 200,
    }
    assert _state() == before


def test_officers_cannot_change_a_line_finance_approved(two_registers: tuple[R, R]) -> None:
    _, other = two_registers
    line = other["line"]
    before = _state()
    officer = other["clients"]["officer"]
    assert officer.get(reverse("budgets:line-update", args=[line.pk])).status_code == 403
    response = officer.post(
        reverse("budgets:line-update", args=[line.pk]),
        {
            "year": "2014",
            "cost_centre": "TW100",
            "title": "Raised by an officer",
            "amount": "99999.00",
            "funding_source": "council",
            "version": line.version,
        },
    )
    assert response.status_code == 403
    assert OTHER not in response.content.decode()
    assert _state() == before


# --- Under a parent: what is posted goes under the parent the URL names ---------------------------


def test_parts_of_a_visit_go_to_the_visit_in_the_url(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    visit, elsewhere = mine["visit"], other["visit"]
    officer = mine["clients"]["officer"]
    stray = {"visit": elsewhere.pk, "visit_id": elsewhere.pk, "relationship": other["relationship"].pk}
    posts = {
        "delegations:participant-add": {
            "participant-name": "Paul Robinson",
            "participant-role": "officer",
            "participant-visit": elsewhere.pk,
        },
        "delegations:meeting-add": {
            "meeting-organisation": mine["other_organisation"].pk,
            "meeting-held_on": "2015-10-13",
            "meeting-visit": elsewhere.pk,
        },
        "delegations:cost-item-add": {
            "costitem-category": "travel",
            "costitem-quantity": "4",
            "costitem-unit_cost": "650.00",
            "costitem-funder": "council",
            "costitem-visit": elsewhere.pk,
        },
        "delegations:follow-up-add": {
            "follow_up-title": "Write to the Mayor",
            "follow_up-relationship": other["relationship"].pk,
        },
    }
    other_before = {
        "participants": list(elsewhere.participants.values()),
        "meetings": list(elsewhere.meetings.values()),
        "costs": list(elsewhere.cost_items.values()),
        "follow-ups": list(elsewhere.follow_ups.values()),
    }
    for name, data in posts.items():
        response = officer.post(reverse(name, args=[visit.pk]), {**stray, **data})
        # A cost item comes back at its place in the visit's estimate (#cost-item-…).
        location = urldefrag(response["Location"]).url
        assert (response.status_code, location) == (302, visit.get_absolute_url()), name
    assert Participant.objects.get(name="Paul Robinson").visit == visit
    assert Meeting.objects.filter(visit=visit, organisation=mine["other_organisation"]).exists()
    assert CostItem.objects.filter(visit=visit, unit_cost="650.00").exists()
    follow_up = VisitFollowUp.objects.get(action__title="Write to the Mayor")
    assert (follow_up.visit, follow_up.action.relationship) == (visit, visit.relationship)
    assert {
        "participants": list(elsewhere.participants.values()),
        "meetings": list(elsewhere.meetings.values()),
        "costs": list(elsewhere.cost_items.values()),
        "follow-ups": list(elsewhere.follow_ups.values()),
    } == other_before


def test_removing_a_part_of_another_visit_goes_back_to_that_visit(two_registers: tuple[R, R]) -> None:
    """Removal URLs name only the part: the part is removed from its own visit, and no other."""
    mine, other = two_registers
    officer = mine["clients"]["officer"]
    mine_before = rows(Participant, Meeting, CostItem)
    for name, kind, model in (
        ("delegations:participant-remove", "participant", Participant),
        ("delegations:meeting-remove", "meeting", Meeting),
        ("delegations:cost-item-remove", "costitem", CostItem),
    ):
        response = officer.post(
            reverse(name, args=[other[kind].pk]), {"visit": mine["visit"].pk, "confirmed": "yes"}
        )
        location = urldefrag(response["Location"]).url  # a cost item's: at the visit's estimate
        assert (response.status_code, location) == (302, other["visit"].get_absolute_url()), name
        assert not model.objects.filter(pk=other[kind].pk).exists(), name
    after = rows(Participant, Meeting, CostItem)
    for label, kept in mine_before.items():
        mine_rows = [row for row in kept if row["visit_id"] == mine["visit"].pk]
        assert [row for row in after[label] if row["visit_id"] == mine["visit"].pk] == mine_rows


def test_paragraphs_stay_in_the_report_in_the_url(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    report, paragraph = mine["report"], mine["paragraph"]
    officer = mine["clients"]["officer"]
    stray = {
        "report": other["report"].pk,
        "paragraph-report": other["report"].pk,
        "report_id": other["report"].pk,
    }
    theirs = list(Paragraph.objects.filter(report=other["report"]).values())
    added = officer.post(
        reverse("reports:paragraph-add", args=[report.pk]),
        {**stray, "paragraph-where": "body:2", "paragraph-text": "Added to this report."},
    )
    edited = officer.post(
        reverse("reports:paragraph-update", args=[paragraph.pk]),
        {
            **stray,
            "paragraph-where": "body:1",
            "paragraph-text": "Edited in this report.",
            "paragraph-version": paragraph.version,
        },
    )
    assert (added.status_code, edited.status_code) == (302, 302)
    assert Paragraph.objects.get(text="Added to this report.").report == report
    assert Paragraph.objects.get(pk=paragraph.pk).report == report
    assert list(Paragraph.objects.filter(report=other["report"]).values()) == theirs


def test_sign_off_rows_of_another_report_are_not_changed(two_registers: tuple[R, R]) -> None:
    """The sign-off formset posted with another report's row ids changes neither report's rows."""
    mine, other = two_registers
    report = mine["report"]
    officer = mine["clients"]["officer"]
    data = sign_off_rows(report)
    theirs = list(SignOff.objects.filter(report=other["report"]).order_by("pk"))
    for i, row in enumerate(theirs[: int(data["signoffs-TOTAL_FORMS"])]):
        data[f"signoffs-{i}-id"] = str(row.pk)
        data[f"signoffs-{i}-officer_name"] = "Mallory"
        data[f"signoffs-{i}-cleared_on"] = "2015-08-01"
    before = rows(SignOff)
    response = officer.post(reverse("reports:sign-offs", args=[report.pk]), data)
    assert (response.status_code, response["Location"]) == (302, report.get_absolute_url())
    assert rows(SignOff) == before
    assert not SignOff.objects.filter(officer_name="Mallory").exists()


def test_spend_stays_on_the_line_in_the_url(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    line, spend = mine["line"], mine["spend"]
    officer = mine["clients"]["officer"]
    stray = {"budget_line": other["line"].pk, "budget_line_id": other["line"].pk, "recorded_by": 1}
    theirs = list(Spend.objects.filter(budget_line=other["line"]).values())
    created = officer.post(
        reverse("budgets:spend-create", args=[line.pk]), {**stray, **VALID["budgets:spend-create"](mine)}
    )
    edited = officer.post(
        reverse("budgets:spend-update", args=[spend.pk]), {**stray, **VALID["budgets:spend-update"](mine)}
    )
    assert (created.status_code, edited.status_code) == (302, 302)
    assert Spend.objects.get(description="Civic gifts").budget_line == line
    assert Spend.objects.get(pk=spend.pk).budget_line == line
    assert list(Spend.objects.filter(budget_line=other["line"]).values()) == theirs


def test_a_cost_item_of_another_visit_cannot_be_named_as_spend(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    officer = mine["clients"]["officer"]
    spend = Spend.objects.count()
    data = {**VALID["budgets:spend-create"](mine), "cost_item": other["costitem"].pk}
    response = officer.post(reverse("budgets:spend-create", args=[mine["line"].pk]), data)
    assert response.status_code == 200
    assert "This cost item belongs to a different visit." in response.content.decode()
    assert Spend.objects.count() == spend


def test_stakeholders_and_cost_shares_go_to_the_relationship_in_the_url(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    relationship = mine["relationship"]
    stray = {"relationship": other["relationship"].pk, "relationship_id": other["relationship"].pk}
    theirs = {
        "stakeholders": list(Stakeholder.objects.filter(relationship=other["relationship"]).values()),
        "shares": list(CostShare.objects.filter(relationship=other["relationship"]).values()),
    }
    linked = mine["clients"]["officer"].post(
        reverse("partners:stakeholder-create", args=[relationship.pk]),
        {**stray, "organisation": mine["other_organisation"].pk, "role": "Rail supply chain"},
    )
    shared = mine["clients"]["finance"].post(
        reverse("budgets:cost-shares", args=[relationship.pk]), {**stray, **cost_share_rows(mine)}
    )
    assert (linked.status_code, shared.status_code) == (302, 302)
    assert Stakeholder.objects.get(organisation=mine["other_organisation"]).relationship == relationship
    assert sorted(
        CostShare.objects.filter(relationship=relationship).values_list("percentage", flat=True)
    ) == [
        40,
        60,
    ]
    assert {
        "stakeholders": list(Stakeholder.objects.filter(relationship=other["relationship"]).values()),
        "shares": list(CostShare.objects.filter(relationship=other["relationship"]).values()),
    } == theirs


# --- Fields a form does not have: posted, they are ignored ------------------------------------------


def test_status_and_decisions_cannot_be_posted_into_an_edit(two_registers: tuple[R, R]) -> None:
    """An officer's edit carrying a status, a decider or another parent changes none of them."""
    mine, other = two_registers
    officer = mine["clients"]["officer"]
    finance = mine["personas"]["finance"]
    line, report, visit = mine["proposed_line"], mine["report"], mine["visit"]
    forged = {
        "status": "approved",
        "decided_by": finance.pk,
        "approved_by": finance.pk,
        "published_by": finance.pk,
        "revision": "7",
        "supersedes": other["approved_report"].pk,
        "created_by": finance.pk,
        "relationship": other["relationship"].pk,
    }
    responses = [
        officer.post(
            reverse("budgets:line-update", args=[line.pk]),
            {
                **forged,
                "year": "2015",
                "cost_centre": "TW100",
                "title": "Hefei trade visit",
                "amount": "900.00",
                "funding_source": "council",
                "version": line.version,
            },
        ),
        officer.post(
            reverse("reports:report-update", args=[report.pk]),
            {
                **forged,
                "committee": "Council Cabinet",
                "meeting_date": "2015-09-09",
                "title": report.title,
                "report_of": report.report_of,
                "wards_affected": report.wards_affected,
                "version": report.version,
            },
        ),
        officer.post(
            reverse("delegations:visit-update", args=[visit.pk]),
            {
                **forged,
                "status": "completed",
                "relationship": visit.relationship_id,
                "direction": "outbound",
                "purpose": "civic",
                "title": visit.title,
                "funder": "council",
                "version": visit.version,
            },
        ),
    ]
    assert [response.status_code for response in responses] == [302, 302, 302]
    line.refresh_from_db()
    assert (line.status, line.decided_by) == (LineStatus.PROPOSED, None)
    report.refresh_from_db()
    assert (report.status, report.approved_by, report.revision, report.supersedes) == ("draft", None, 1, None)
    visit.refresh_from_db()
    assert visit.status == "proposed"


# --- History: a record's history is its own ---------------------------------------------------------


def test_a_record_s_history_shows_only_its_own_changes(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    officer = mine["clients"]["officer"]
    place = mine["place"]
    response = officer.post(
        reverse("partners:place-update", args=[place.pk]),
        {"name": "Renamed only here", "country": "Japan", "kind": "city", "version": place.version},
    )
    assert response.status_code == 302
    officer.get(response["Location"])  # the page saying it was saved
    theirs = officer.get(reverse("partners:place-history", args=[other["place"].pk])).content.decode()
    ours = officer.get(reverse("partners:place-history", args=[place.pk])).content.decode()
    assert "Renamed only here" in ours
    assert "Renamed only here" not in theirs
    assert OTHER in theirs


# --- Each person's own settings, and scores under the approach in the URL ------------------------


def test_digest_settings_are_only_ever_one_s_own(two_registers: tuple[R, R]) -> None:
    mine, _ = two_registers
    officer, finance = mine["personas"]["officer"], mine["personas"]["finance"]
    UserSettings.objects.update_or_create(user=finance, defaults={"daily_digest": True})
    UserSettings.objects.update_or_create(user=officer, defaults={"daily_digest": True})
    response = mine["clients"]["officer"].post(
        reverse("overview:digest-settings"), {"user": finance.pk, "pk": finance.pk}
    )
    assert response.status_code == 302
    assert UserSettings.objects.get(user=officer).daily_digest is False
    assert UserSettings.objects.get(user=finance).daily_digest is True


def test_scores_go_to_the_approach_in_the_url(two_registers: tuple[R, R]) -> None:
    mine, other = two_registers
    approach, elsewhere = mine["approach"], other["approach"]
    criterion = active_criteria()[0]
    theirs = list(ApproachScore.objects.filter(approach=elsewhere).values())
    response = mine["clients"]["officer"].post(
        reverse("partners:approach-triage", args=[approach.pk]),
        {
            "approach": elsewhere.pk,
            "approach_id": elsewhere.pk,
            f"score_{criterion.pk}": "4",
            f"reason_{criterion.pk}": "Fits the city's international strategy.",
            "scored_as": "",
        },
    )
    assert response.status_code == 302
    assert ApproachScore.objects.get(criterion=criterion, score=4).approach == approach
    assert list(ApproachScore.objects.filter(approach=elsewhere).values()) == theirs


# --- Whether a record exists is not given away to those refused its kind ---------------------------

MISSING_ID = 2_000_000_000


def _with_missing_id(name: str) -> str:
    pattern = urls_with_ids()[name]
    kwargs = {
        key: ("A" * 43 if key == "token" else MISSING_ID if key == "pk" else 1900)
        for key in pattern.pattern.converters
    }
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(
    "name",
    # Not the public pages: what is published is there for anyone to find, and nothing else is.
    [
        name
        for name in sorted(urls_with_ids())
        if "pk" in urls_with_ids()[name].pattern.converters and not name.startswith("public:")
    ],
)
def test_those_refused_get_the_same_answer_for_a_record_that_does_not_exist(
    name: str, two_registers: tuple[R, R]
) -> None:
    """The outsider, who holds no role, gets the same status for a missing id as for a real one."""
    _, other = two_registers
    outsider = other["clients"]["outsider"]
    method = "post" if MATRIX[name]["GET"]["officer"] == 405 else "get"
    real = getattr(outsider, method)(other_url(name, other)).status_code
    missing = getattr(outsider, method)(_with_missing_id(name)).status_code
    assert (real, missing) == (MATRIX[name][method.upper()]["outsider"],) * 2
