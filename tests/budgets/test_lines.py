"""Budget lines: officers propose, Finance alone decides with a comment, an
approved line is changed only by Finance and every change is kept, so the line
page can say what the line read on any date.

Pages are read as a person reads them (fields by label, the error beside the
field); a refused post is checked to have written nothing, in any table or
history, and to have left the line exactly as it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgets import services
from budgets.models import BudgetLine, FinancialYear, LineStatus
from core import roles
from core.status import RuleBroken
from tests.factories import BudgetLineFactory, PlaceFactory, RelationshipFactory, UserFactory
from tests.support.database import unchanged
from tests.support.pages import REQUIRED, Page, money, record_page, refused, within

NOT_POSITIVE = "The amount must be more than zero."
TOO_PRECISE = "Ensure that there are no more than 2 decimal places."
NOT_SAVED = "Your changes have not been saved"


# --- Helpers --------------------------------------------------------------------------


def decision_form(client: Client, line: BudgetLine) -> Page:
    url = reverse("budgets:line-decide", args=[line.pk])
    return record_page(client, line).form_posting_to(url)


def decide(client: Client, line: BudgetLine, choice: str, comment: str, *, form: Page | None = None) -> Any:
    """Chooses Approve or Reject on the line page, writes the comment and records the decision."""
    form = form or decision_form(client, line)
    data = form.choose(form.fill({"Comment": comment}), choice)
    return client.post(reverse("budgets:line-decide", args=[line.pk]), data)


def edit_line(client: Client, line: BudgetLine, values: dict[str, Any]) -> Any:
    url = reverse("budgets:line-update", args=[line.pk])
    form = within(Page(client.get(url)).form_of("Title"))
    return client.post(url, form.fill(values))


def today_long() -> str:
    today = timezone.localdate()
    return f"{today.day} {today:%B %Y}"


# --- Fixtures ------------------------------------------------------------------------


@pytest.fixture
def toyota(db: Any) -> Any:
    return RelationshipFactory(place=PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan"))


# The line both fixtures below make, one still proposed, the other approved.
TOYOTA_LINE = {
    "financial_year__start_year": 2016,
    "cost_centre": "TW100",
    "title": "Toyota City civic visit",
    "amount": Decimal("4000.00"),
}


@pytest.fixture
def proposed(officer: Any, toyota: Any) -> BudgetLine:
    return BudgetLineFactory(**TOYOTA_LINE, relationship=toyota, proposed_by=officer)


@pytest.fixture
def approved(finance: Any, toyota: Any) -> BudgetLine:
    return BudgetLineFactory(
        **TOYOTA_LINE,
        relationship=toyota,
        approved=True,
        decided_by=finance,
        decision_comment="Within the twinning budget.",
    )


@pytest.fixture
def second_finance_client(db: Any) -> Client:
    """Another member of Finance, working at the same time as Fred."""
    colleague = UserFactory(username="gita", first_name="Gita", last_name="Ghosh", roles=[roles.FINANCE])
    client = Client()
    client.force_login(colleague)
    return client


def snapshot(line: BudgetLine) -> dict[str, Any]:
    return {**BudgetLine.objects.values().get(pk=line.pk), "history": line.history.count()}


# --- Proposing ---------------------------------------------------------------------------


def test_an_officer_proposes_a_line_and_finance_sees_it_waiting(
    officer_client: Client, finance_client: Client, officer: Any, toyota: Any
) -> None:
    url = reverse("budgets:line-create")
    form = within(Page(officer_client.get(url)).form_of("Title"))
    assert "2016–17" in form.options("Financial year")
    data = form.fill(
        {
            "Financial year": "2016–17",
            "Cost centre": "TW100",
            "Title": "Toyota City civic visit",
            "Amount (£)": "4000.00",
            "Funding source": "Council revenue",
            "Relationship": str(toyota),
        },
    )
    response = officer_client.post(url, data)
    assert response.status_code == 302
    line = BudgetLine.objects.get()
    assert (line.financial_year.start_year, line.status, line.proposed_by) == (2016, "proposed", officer)
    assert (line.amount, line.decided_by, line.decided_at) == (Decimal("4000.00"), None, None)

    page = record_page(officer_client, line)
    assert page.described()["Status"] == "Proposed"
    assert page.described()["Financial year"] == "2016–17"
    assert page.described()["Proposed by"] == "Olivia Officer"

    queue = Page(finance_client.get(reverse("budgets:review")))
    waiting = within(queue.section("Budget lines awaiting a decision"))
    assert waiting.column("Line") == ["Toyota City civic visit"]
    assert waiting.column("Proposed by") == ["Olivia Officer"]
    assert waiting.column("Amount") == ["£4,000"]


def test_a_proposed_line_is_not_counted_in_the_budget(officer_client: Client, proposed: BudgetLine) -> None:
    page = record_page(officer_client, proposed)
    figures = within(page.section("Figures"))
    assert money(figures.column("Budget")[0]) == Decimal("0")
    assert money(figures.column("Proposed")[0]) == Decimal("4000")


def test_an_officer_edits_a_line_still_proposed(officer_client: Client, proposed: BudgetLine) -> None:
    response = edit_line(officer_client, proposed, {"Amount (£)": "4200.00"})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.amount, proposed.status) == (Decimal("4200.00"), LineStatus.PROPOSED)


# --- Finance decides ---------------------------------------------------------------------


def test_finance_approves_with_a_comment_recorded_with_who_and_when(
    finance_client: Client, finance: Any, proposed: BudgetLine
) -> None:
    before = timezone.now()
    response = decide(finance_client, proposed, "Approve", "  Within the £10,000 agreed by Cabinet.  ")
    assert response.status_code == 302
    assert response["Location"] == proposed.get_absolute_url()
    line = BudgetLine.objects.get(pk=proposed.pk)
    assert (line.status, line.decided_by, line.decision_comment) == (
        LineStatus.APPROVED,
        finance,
        "Within the £10,000 agreed by Cabinet.",
    )
    assert before <= line.decided_at <= timezone.now()

    page = record_page(finance_client, line)
    assert page.described()["Status"] == f"Approved by Fred Finance on {today_long()}"
    assert page.described()["Decision comment"] == "Within the £10,000 agreed by Cabinet."
    assert money(within(page.section("Figures")).column("Budget")[0]) == Decimal("4000")
    assert "Record decision" not in page.text, "A decided line still offers a decision"
    queue = Page(finance_client.get(reverse("budgets:review")))
    assert "No lines are waiting." in queue.section("Budget lines awaiting a decision").text

    # The decision is in the line's history, with who took it.
    history = Page(finance_client.get(reverse("budgets:line-history", args=[line.pk])))
    newest = history.root.find_all("li", **{"class": "mb-4"})[0]
    assert newest.find_all("h2")[0].text.startswith("Changed by Fred Finance on")
    rows = {row.find_all("th")[0].text: row.text for row in newest.find_all("tbody")[0].find_all("tr")}
    assert rows["Status"] == "Status Proposed Approved"
    assert rows["Decided by"] == "Decided by — Fred Finance"


def test_finance_rejects_with_a_comment(finance_client: Client, finance: Any, proposed: BudgetLine) -> None:
    response = decide(finance_client, proposed, "Reject", "No budget left this year.")
    assert response.status_code == 302
    line = BudgetLine.objects.get(pk=proposed.pk)
    assert (line.status, line.decided_by, line.decision_comment) == (
        LineStatus.REJECTED,
        finance,
        "No budget left this year.",
    )
    page = record_page(finance_client, line)
    assert page.described()["Status"].startswith("Rejected by Fred Finance on ")
    assert money(within(page.section("Figures")).column("Budget")[0]) == Decimal("0")
    assert "Record spend" not in page.text, "A rejected line still offers to record spend"


@pytest.mark.parametrize("comment", ["", "   \n  "])
def test_a_decision_needs_a_comment(finance_client: Client, proposed: BudgetLine, comment: str) -> None:
    before = snapshot(proposed)
    with unchanged():
        page = refused(decide(finance_client, proposed, "Approve", comment), 400)
    assert page.root.find_all("h1")[0].text == "Toyota City civic visit", "The line page is not shown again"
    assert page.field_error("Comment") == REQUIRED
    assert snapshot(proposed) == before


def test_a_decision_must_say_approve_or_reject(finance_client: Client, proposed: BudgetLine) -> None:
    form = decision_form(finance_client, proposed)
    data = form.fill({"Comment": "Fine."})
    with unchanged():
        page = refused(finance_client.post(reverse("budgets:line-decide", args=[proposed.pk]), data), 400)
    group = page.control("Approve")
    while group.tag != "fieldset":
        group = group.parent
    assert group.find_all("legend")[0].text == "Decision*"
    assert "is-invalid" in page.control("Approve").classes
    assert page.by_id[group.attrs["aria-describedby"]].text == REQUIRED
    assert "Decision: This field is required." in page.errors_summary()
    assert page.value("Comment") == "Fine.", "The comment typed is lost"
    assert BudgetLine.objects.get(pk=proposed.pk).status == LineStatus.PROPOSED


def test_an_already_decided_line_cannot_be_decided_again(
    finance_client: Client, approved: BudgetLine
) -> None:
    """Even posted by hand (the page no longer offers it): the first decision stands."""
    before = snapshot(approved)
    data = {"to_status": "rejected", "note": "Changed my mind.", "version": str(approved.version)}
    with unchanged():
        page = refused(finance_client.post(reverse("budgets:line-decide", args=[approved.pk]), data), 400)
    assert page.errors_summary() == (
        f"There is a problem This line was already approved by Fred Finance on {today_long()}."
    )
    assert snapshot(approved) == before


def test_two_finance_users_deciding_at_once(
    finance_client: Client, second_finance_client: Client, proposed: BudgetLine
) -> None:
    freds = decision_form(finance_client, proposed)
    gitas = decision_form(second_finance_client, proposed)
    assert decide(finance_client, proposed, "Approve", "Agreed.", form=freds).status_code == 302
    decided = snapshot(proposed)
    with unchanged():
        page = refused(decide(second_finance_client, proposed, "Reject", "Too much.", form=gitas), 400)
    assert "already approved by Fred Finance" in page.errors_summary()
    assert snapshot(proposed) == decided
    # Gita reads why under the decision's heading, and is not offered a decision to send again.
    assert page.section("Finance decision").text.startswith("Finance decision There is a problem")
    assert page.root.find_all("form", action=reverse("budgets:line-decide", args=[proposed.pk])) == []


def test_a_decision_on_a_line_changed_since_it_was_opened_is_refused(
    finance_client: Client, officer_client: Client, proposed: BudgetLine
) -> None:
    """Finance decides on what it read: an amount raised meanwhile must be read again."""
    form = decision_form(finance_client, proposed)
    assert edit_line(officer_client, proposed, {"Amount (£)": "9000.00"}).status_code == 302
    raised = snapshot(proposed)
    with unchanged():
        page = refused(decide(finance_client, proposed, "Approve", "Agreed.", form=form), 400)
    assert "Someone else changed this budget line after you opened it" in page.errors_summary()
    assert page.described()["Amount"] == "£9,000", "The page shown again is not the line as it now stands"
    assert snapshot(proposed) == raised


def test_after_a_stale_decision_is_refused_deciding_again_works(
    finance_client: Client, officer_client: Client, proposed: BudgetLine
) -> None:
    form = decision_form(finance_client, proposed)
    assert edit_line(officer_client, proposed, {"Amount (£)": "9000.00"}).status_code == 302
    page = refused(decide(finance_client, proposed, "Approve", "Agreed.", form=form), 400)
    again = page.form_posting_to(reverse("budgets:line-decide", args=[proposed.pk]))
    assert again.form_values("Comment")["version"] == str(BudgetLine.objects.get(pk=proposed.pk).version)
    assert decide(finance_client, proposed, "Approve", "Agreed at £9,000.", form=again).status_code == 302
    assert BudgetLine.objects.get(pk=proposed.pk).status == LineStatus.APPROVED


def test_an_officer_cannot_approve(officer_client: Client, proposed: BudgetLine) -> None:
    assert "Record decision" not in record_page(officer_client, proposed).text
    before = snapshot(proposed)
    data = {"to_status": "approved", "note": "Approving my own line.", "version": str(proposed.version)}
    with unchanged():
        response = officer_client.post(reverse("budgets:line-decide", args=[proposed.pk]), data)
    assert response.status_code == 403
    assert snapshot(proposed) == before


# --- Changing an approved line -------------------------------------------------------------


def test_only_finance_changes_an_approved_line_and_the_change_is_kept(
    officer_client: Client, finance_client: Client, approved: BudgetLine
) -> None:
    url = reverse("budgets:line-update", args=[approved.pk])
    before = snapshot(approved)
    assert officer_client.get(url).status_code == 403
    assert ">Edit line</a>" not in officer_client.get(approved.get_absolute_url()).content.decode()
    data = {
        "year": "2016",
        "cost_centre": "TW100",
        "title": "Toyota City civic visit",
        "amount": "1.00",
        "funding_source": "council",
        "version": str(approved.version),
    }
    with unchanged():
        assert officer_client.post(url, data).status_code == 403
    assert snapshot(approved) == before

    response = edit_line(finance_client, approved, {"Amount (£)": "4500.00"})
    assert response.status_code == 302
    line = BudgetLine.objects.get(pk=approved.pk)
    assert (line.amount, line.status) == (Decimal("4500.00"), LineStatus.APPROVED)
    history = Page(finance_client.get(reverse("budgets:line-history", args=[line.pk])))
    newest = history.root.find_all("li", **{"class": "mb-4"})[0]
    assert newest.find_all("h2")[0].text.startswith("Changed by Fred Finance on")
    rows = [row.text for row in newest.find_all("tbody")[0].find_all("tr")]
    assert rows == ["Amount (£) 4000.00 4500.00"]


def test_two_finance_users_editing_the_same_line(
    finance_client: Client, second_finance_client: Client, approved: BudgetLine
) -> None:
    url = reverse("budgets:line-update", args=[approved.pk])
    freds = Page(finance_client.get(url)).form_values("Title")
    gitas = Page(second_finance_client.get(url)).form_values("Title")
    assert freds["version"] == gitas["version"]
    assert finance_client.post(url, {**freds, "amount": "4500.00"}).status_code == 302
    saved = snapshot(approved)

    with unchanged():
        response = second_finance_client.post(url, {**gitas, "notes": "Includes interpreters."})
    page = refused(response, 200)
    message = page.errors_summary()
    assert "Fred Finance saved this record" in message
    assert NOT_SAVED in message
    assert "changed: amount (£)" in message, "The message does not say which field the colleague changed"
    assert page.value("Notes") == "Includes interpreters."
    assert snapshot(approved) == saved


def test_what_the_line_said_on_a_date_is_answered_from_its_history(
    officer_client: Client, finance_client: Client, toyota: Any
) -> None:
    """Proposed in April 2016, approved in May, raised in September: each date reads as it stood."""
    url = reverse("budgets:line-create")
    data = within(Page(officer_client.get(url)).form_of("Title")).fill(
        {"Financial year": "2016–17", "Cost centre": "TW100", "Title": "Toyota City civic visit"},
    )
    assert officer_client.post(url, {**data, "amount": "4000.00"}).status_code == 302
    line = BudgetLine.objects.get()
    assert decide(finance_client, line, "Approve", "Agreed.").status_code == 302
    assert edit_line(finance_client, line, {"Amount (£)": "5500.00"}).status_code == 302

    # Move the three saves back to the days they stand for.
    proposed_on, approved_on, raised_on = line.history.order_by("history_date", "history_id")
    for saved, day in ((proposed_on, 5), (approved_on, 40), (raised_on, 160)):
        moment = datetime(2016, 4, 1, 10, tzinfo=UTC) + timedelta(days=day - 1)
        type(saved).objects.filter(pk=saved.pk).update(history_date=moment)

    def as_it_stood(day: str) -> dict[str, str]:
        page = record_page(officer_client, line, as_at=day)
        section = page.section("As it stood on a date")
        found = section.find_all("dl")
        if not found:
            return {"": section.find_all("p")[-1].text}
        terms, values = found[0].find_all("dt"), found[0].find_all("dd")
        return {t.text: v.text for t, v in zip(terms, values, strict=True)}

    assert as_it_stood("2016-04-01") == {"": "The line did not exist yet on 1 April 2016."}
    assert as_it_stood("2016-04-05")["Status"] == "Proposed"
    assert as_it_stood("2016-05-10") == {
        "Title": "Toyota City civic visit",
        "Amount": "£4,000",
        "Status": "Approved",
        "Funding source": "Council revenue",
        "Cost centre": "TW100",
    }
    assert as_it_stood("2016-09-06")["Amount"] == "£4,000"  # the day before it was raised
    assert as_it_stood("2016-09-07")["Amount"] == "£5,500"
    assert record_page(officer_client, line).described()["Amount"] == "£5,500"
    page = record_page(officer_client, line, as_at="2016-05-10")
    assert page.value("Show the line as it stood on") == "2016-05-10"


def test_a_malformed_date_asked_of_the_history_is_refused_beside_the_field(
    officer_client: Client, approved: BudgetLine
) -> None:
    page = record_page(officer_client, approved, as_at="2016-02-30")
    assert page.field_error("Show the line as it stood on") == "Enter a valid date."
    assert "the line read" not in page.text


def test_a_line_decided_by_someone_since_removed_still_shows(
    officer_client: Client, approved: BudgetLine, finance: Any
) -> None:
    finance.delete()
    page = record_page(officer_client, BudgetLine.objects.get(pk=approved.pk))
    # Who decided is no longer known; when and what still are.
    assert page.described()["Status"].startswith("Approved on ")


# --- Bad input on the line form -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-250.00", NOT_POSITIVE),
        ("0", NOT_POSITIVE),
        ("0.00", NOT_POSITIVE),
        ("4000.005", TOO_PRECISE),
        ("", REQUIRED),
        ("four thousand", "Enter a number."),
    ],
)
def test_a_new_line_with_a_bad_amount(officer_client: Client, typed: str, message: str) -> None:
    url = reverse("budgets:line-create")
    data = within(Page(officer_client.get(url)).form_of("Title")).fill(
        {"Financial year": "2016–17", "Cost centre": "TW100", "Title": "Hefei trade visit"},
    )
    with unchanged():
        page = refused(officer_client.post(url, {**data, "amount": typed}), 200)
    assert page.field_error("Amount (£)") == message
    assert page.invalid_fields() == ["Amount (£)"]
    assert page.value("Title") == "Hefei trade visit"
    assert not FinancialYear.objects.exists(), "The year was made for a line that was not saved"


@pytest.mark.parametrize(("typed", "message"), [("-1", NOT_POSITIVE), ("4500.123", TOO_PRECISE)])
def test_a_bad_amount_leaves_an_approved_line_as_it_was(
    finance_client: Client, approved: BudgetLine, typed: str, message: str
) -> None:
    before = snapshot(approved)
    with unchanged():
        page = refused(
            edit_line(finance_client, approved, {"Amount (£)": typed, "Notes": "Half a change"}), 200
        )
    assert page.field_error("Amount (£)") == message
    assert snapshot(approved) == before


def test_a_line_without_a_title_or_cost_centre(officer_client: Client) -> None:
    url = reverse("budgets:line-create")
    data = within(Page(officer_client.get(url)).form_of("Title")).fill({"Amount (£)": "100"})
    with unchanged():
        page = refused(officer_client.post(url, {**data, "title": "", "cost_centre": ""}), 200)
    assert page.field_error("Title") == REQUIRED
    assert page.field_error("Cost centre") == REQUIRED


# --- The lines list -----------------------------------------------------------------------


def test_the_lines_list_filters_and_shows_what_each_line_has_left(
    officer_client: Client, approved: BudgetLine, proposed: BudgetLine
) -> None:
    BudgetLineFactory(financial_year__start_year=2017, title="Osnabrück exchange", funding_source="partner")
    url = reverse("budgets:line-list")
    page = Page(officer_client.get(url, {"ordering": "title"}))
    assert page.column("Line") == ["Osnabrück exchange", "Toyota City civic visit", "Toyota City civic visit"]
    assert sorted(page.column("Remaining")) == ["Not approved", "Not approved", "£4,000"]
    # One title in two years is seen alike; the link is read out with its year.
    read_out = [node.text for node in page.root.find_all("tbody")[0].find_all("a")]
    years = [f"{line.title} ({line.financial_year.label})" for line in (approved, proposed)]
    assert sorted(name for name in read_out if name.startswith("Toyota")) == sorted(years)

    page = Page(officer_client.get(url, {"year": "2017"}))
    assert page.column("Line") == ["Osnabrück exchange"]
    assert page.column("Year") == ["2017–18"]
    page = Page(officer_client.get(url, {"status": "approved"}))
    assert page.column("Status") == ["Approved"]
    page = Page(officer_client.get(url, {"funding_source": "partner"}))
    assert page.column("Funding") == ["Partner"]


def test_decided_on_is_the_day_in_london(finance_client: Client, proposed: BudgetLine) -> None:
    """Approved at 00:30 on 1 April 2017 in London (23:30 UTC on 31 March): shown as 1 April."""
    assert decide(finance_client, proposed, "Approve", "Agreed.").status_code == 302
    BudgetLine.objects.filter(pk=proposed.pk).update(decided_at=datetime(2017, 3, 31, 23, 30, tzinfo=UTC))
    page = record_page(finance_client, proposed)
    assert page.described()["Status"] == "Approved by Fred Finance on 1 April 2017"
    assert date(2017, 4, 1) == timezone.localdate(BudgetLine.objects.get(pk=proposed.pk).decided_at)


def test_the_decision_service_needs_a_comment_whoever_calls_it(finance: Any, proposed: BudgetLine) -> None:
    """The rule holds below the forms too (the demo loader and the shell call the service)."""
    with pytest.raises(RuleBroken, match="Say why") as refusal:
        services.budget_line_decide(record=proposed, to_status=LineStatus.APPROVED, note=" \n ", by=finance)
    assert refusal.value.field == "note"
    assert BudgetLine.objects.get(pk=proposed.pk).status == LineStatus.PROPOSED
