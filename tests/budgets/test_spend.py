"""Spend against a budget line, and the rule that guards what a line has left.

The line in most tests: £1,000 approved for 2016–17 with £800 already
committed, so £200 is left. Committing beyond that is refused for an officer
(the message beside Amount) unless they give a reason, which asks Finance and
leaves the spend awaiting a decision, counted as estimated meanwhile; Finance
grants (it is then committed) or refuses (it goes back to estimated), always
with a comment. Finance's own over-commitment with a reason is granted at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from budgets import services
from budgets.models import BudgetLine, OverrideState, Spend, SpendStatus
from core import roles
from core.status import RuleBroken
from tests.factories import BudgetLineFactory, CostItemFactory, SpendFactory, UserFactory, VisitFactory
from tests.support.database import unchanged
from tests.support.pages import REQUIRED, Page, money, open_page, record_page, refused, said, within

NOT_POSITIVE = "The amount must be more than zero."
TOO_PRECISE = "Ensure that there are no more than 2 decimal places."
OFFICER_REASON = "Reason for going over the line"
FINANCE_REASON = "Reason for overriding the line"
CHOOSE_OR_WITHDRAW = "Choose the line it is to be spent from, or withdraw it if it is no longer expected."
OVER_BY_100 = "This would commit £100.00 more than the line has left (£200.00). Record it as estimated, or "


@pytest.fixture
def line(finance: Any) -> BudgetLine:
    line = BudgetLineFactory(
        financial_year__start_year=2016,
        title="Toyota City civic visit",
        amount=Decimal("1000.00"),
        approved=True,
        decided_by=finance,
    )
    SpendFactory(budget_line=line, description="Flights", amount=Decimal("800.00"), status="committed")
    return line


def spend_form(client: Client, line: BudgetLine) -> Page:
    response = client.get(reverse("budgets:spend-create", args=[line.pk]))
    assert response.status_code == 200
    return within(Page(response).form_of("Description"))


def record_spend(client: Client, line: BudgetLine, values: dict[str, Any]) -> Any:
    """Fills the Record spend form as a person would and sends it."""
    data = spend_form(client, line).fill({"Description": "Interpreter", "Date": "2016-10-12", **values})
    return client.post(reverse("budgets:spend-create", args=[line.pk]), data)


def figures(client: Client, line: BudgetLine) -> dict[str, Decimal]:
    """The line page's figures, by column."""
    table = within(record_page(client, line).section("Figures"))
    names = ("Budget", "Proposed", "Estimated", "Committed", "Paid", "Remaining", "Variance")
    return {name: money(table.column(name)[0]) for name in names}


def ask_to_go_over(client: Client, line: BudgetLine) -> Any:
    """An officer commits £300 on the line with a reason: more than it has left, so Finance must agree."""
    values = {
        "Amount (£)": "300.00",
        "Status": "Committed",
        OFFICER_REASON: "The partner booked at short notice.",
    }
    return record_spend(client, line, values)


def override_form(client: Client, spend: Spend) -> Page:
    response = client.get(spend.get_absolute_url())
    assert response.status_code == 200
    return Page(response).form_posting_to(reverse("budgets:spend-override", args=[spend.pk]))


def decide_override(client: Client, spend: Spend, choice: str, comment: str) -> Any:
    form = override_form(client, spend)
    data = form.choose(form.fill({"Comment": comment}), choice)
    return client.post(reverse("budgets:spend-override", args=[spend.pk]), data)


def snapshot() -> list[dict[str, Any]]:
    return list(Spend.objects.order_by("pk").values())


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- Within what the line has left -------------------------------------------------


def test_committing_what_the_line_has_left_is_saved(
    officer_client: Client, officer: Any, line: BudgetLine
) -> None:
    response = record_spend(officer_client, line, {"Amount (£)": "200.00", "Status": "Committed"})
    assert response.status_code == 302
    assert response["Location"] == line.get_absolute_url()
    spend = Spend.objects.get(description="Interpreter")
    assert (spend.status, spend.override_state, spend.recorded_by) == ("committed", "", officer)
    assert figures(officer_client, line) == {
        "Budget": Decimal("1000"),
        "Proposed": Decimal("0"),
        "Estimated": Decimal("0"),
        "Committed": Decimal("1000"),
        "Paid": Decimal("0"),
        "Remaining": Decimal("0"),
        "Variance": Decimal("0"),
    }


def test_estimates_are_never_refused_and_count_against_the_variance(
    officer_client: Client, line: BudgetLine
) -> None:
    assert record_spend(officer_client, line, {"Amount (£)": "5000.00"}).status_code == 302
    shown = figures(officer_client, line)
    assert (shown["Estimated"], shown["Committed"], shown["Remaining"], shown["Variance"]) == (
        Decimal("5000"),
        Decimal("800"),
        Decimal("200"),
        Decimal("-4800"),
    )


def test_paid_spend_counts_as_committed_and_paid(officer_client: Client, line: BudgetLine) -> None:
    assert record_spend(officer_client, line, {"Amount (£)": "150.25", "Status": "Paid"}).status_code == 302
    shown = figures(officer_client, line)
    assert (shown["Committed"], shown["Paid"], shown["Remaining"]) == (
        Decimal("950.25"),
        Decimal("150.25"),
        Decimal("49.75"),
    )
    # Paying the last £49.76 is a penny too far.
    with unchanged():
        page = refused(record_spend(officer_client, line, {"Amount (£)": "49.76", "Status": "Paid"}), 200)
    assert page.field_error("Amount (£)").startswith(
        "This would commit £0.01 more than the line has left (£49.75)."
    )


# --- Beyond it: the officer ------------------------------------------------------------------


def test_an_officer_committing_beyond_the_line_is_refused_beside_the_amount(
    officer_client: Client, line: BudgetLine
) -> None:
    before = snapshot()
    with unchanged():
        page = refused(
            record_spend(officer_client, line, {"Amount (£)": "300.00", "Status": "Committed"}), 200
        )
    assert page.field_error("Amount (£)") == OVER_BY_100 + "give a reason to ask Finance to override."
    assert page.invalid_fields() == ["Amount (£)"]
    assert (page.value("Amount (£)"), page.value("Description")) == ("300.00", "Interpreter")
    assert snapshot() == before


def test_an_officer_with_a_reason_asks_finance_and_the_spend_counts_as_estimated(
    officer_client: Client, finance_client: Client, line: BudgetLine
) -> None:
    response = ask_to_go_over(officer_client, line)
    assert response.status_code == 302
    assert messages_of(response) == [
        "“Interpreter” was recorded and awaits Finance's decision to go over the line."
    ]
    spend = Spend.objects.get(description="Interpreter")
    assert (spend.status, spend.override_state, spend.override_reason) == (
        SpendStatus.COMMITTED,
        OverrideState.REQUESTED,
        "The partner booked at short notice.",
    )
    assert spend.override_decided_by is None
    shown = figures(officer_client, line)
    assert (shown["Estimated"], shown["Committed"], shown["Remaining"]) == (
        Decimal("300"),
        Decimal("800"),
        Decimal("200"),
    )
    row = record_page(officer_client, line).section("Spend")
    assert "Committed (awaiting finance)" in row.text

    queue = within(Page(finance_client.get(reverse("budgets:review"))).section("Spend awaiting an override"))
    assert queue.column("Spend") == ["Interpreter"]
    assert queue.column("Reason given") == ["The partner booked at short notice."]
    assert queue.column("Amount") == ["£300"]
    assert queue.column("Already committed on the line") == ["£800 of £1,000"]


@pytest.fixture
def awaiting(officer_client: Client, line: BudgetLine) -> Spend:
    response = ask_to_go_over(officer_client, line)
    assert response.status_code == 302
    return Spend.objects.get(description="Interpreter")


def test_finance_grants_the_override_and_the_spend_is_committed(
    finance_client: Client, finance: Any, line: BudgetLine, awaiting: Spend
) -> None:
    response = decide_override(finance_client, awaiting, "Grant the override", "Agreed: it could not wait.")
    assert response.status_code == 302
    spend = Spend.objects.get(pk=awaiting.pk)
    assert (spend.status, spend.override_state, spend.override_decided_by, spend.override_comment) == (
        SpendStatus.COMMITTED,
        OverrideState.GRANTED,
        finance,
        "Agreed: it could not wait.",
    )
    shown = figures(finance_client, line)
    assert (shown["Estimated"], shown["Committed"], shown["Remaining"]) == (
        Decimal("0"),
        Decimal("1100"),
        Decimal("-100"),
    )
    assert "More is committed against this line than was approved." in record_page(finance_client, line).text
    page = Page(finance_client.get(spend.get_absolute_url()))
    assert page.described()["Override"].startswith("Granted by ")
    assert "by Fred Finance on " in page.described()["Override"]
    assert page.described()["Finance's comment"] == "Agreed: it could not wait."
    queue = Page(finance_client.get(reverse("budgets:review")))
    assert "No spend is waiting." in queue.section("Spend awaiting an override").text


def test_finance_refuses_the_override_and_the_spend_goes_back_to_estimated(
    finance_client: Client, finance: Any, line: BudgetLine, awaiting: Spend
) -> None:
    response = decide_override(
        finance_client, awaiting, "Refuse it (the spend goes back to estimated)", "Find it elsewhere."
    )
    assert response.status_code == 302
    spend = Spend.objects.get(pk=awaiting.pk)
    assert (spend.status, spend.override_state, spend.override_decided_by) == (
        SpendStatus.ESTIMATED,
        OverrideState.REFUSED,
        finance,
    )
    shown = figures(finance_client, line)
    assert (shown["Estimated"], shown["Committed"]) == (Decimal("300"), Decimal("800"))


@pytest.mark.parametrize("comment", ["", "  "])
def test_an_override_decision_needs_a_comment(finance_client: Client, awaiting: Spend, comment: str) -> None:
    before = snapshot()
    with unchanged():
        page = refused(decide_override(finance_client, awaiting, "Grant the override", comment), 400)
    assert page.field_error("Comment") == REQUIRED
    assert snapshot() == before


def test_an_override_already_decided_is_not_decided_again(finance_client: Client, awaiting: Spend) -> None:
    assert decide_override(finance_client, awaiting, "Grant the override", "Agreed.").status_code == 302
    before = snapshot()
    data = {"to_status": "refused", "note": "Second thoughts.", "version": "1"}
    with unchanged():
        page = refused(finance_client.post(reverse("budgets:spend-override", args=[awaiting.pk]), data), 400)
    assert "This spend is not awaiting an override decision." in page.errors_summary()
    assert snapshot() == before


def test_an_officer_cannot_grant_an_override(officer_client: Client, awaiting: Spend) -> None:
    page = Page(officer_client.get(awaiting.get_absolute_url()))
    assert "Grant the override" not in page.text
    before = snapshot()
    data = {"to_status": "granted", "note": "Granting my own.", "version": str(awaiting.version)}
    with unchanged():
        response = officer_client.post(reverse("budgets:spend-override", args=[awaiting.pk]), data)
    assert response.status_code == 403
    assert snapshot() == before


def test_a_refused_request_changed_to_fit_is_committed_without_finance(
    officer_client: Client, finance_client: Client, line: BudgetLine, awaiting: Spend
) -> None:
    """A changed request is looked at afresh: cut to what the line has left, it needs no one."""
    refuse = "Refuse it (the spend goes back to estimated)"
    assert decide_override(finance_client, awaiting, refuse, "Too much.").status_code == 302
    url = reverse("budgets:spend-update", args=[awaiting.pk])
    data = within(Page(officer_client.get(url)).form_of("Description")).fill({"Amount (£)": "200.00"})
    response = officer_client.post(url, {**data, "status": "committed"})
    assert response.status_code == 302
    spend = Spend.objects.get(pk=awaiting.pk)
    assert (spend.status, spend.override_state, spend.amount) == ("committed", "", Decimal("200.00"))


def test_raising_a_granted_spend_needs_finance_again(
    officer_client: Client, finance_client: Client, line: BudgetLine, awaiting: Spend
) -> None:
    assert (
        decide_override(finance_client, awaiting, "Grant the override", "Agreed at £300.").status_code == 302
    )
    url = reverse("budgets:spend-update", args=[awaiting.pk])
    data = within(Page(officer_client.get(url)).form_of("Description")).fill({"Amount (£)": "50000.00"})
    with unchanged():
        page = refused(officer_client.post(url, data), 200)
    # £1,000 less the £800 of flights leaves £200 for this spend.
    assert page.field_error("Amount (£)").startswith("This would commit £49,800.00 more")
    assert Spend.objects.get(pk=awaiting.pk).amount == Decimal("300.00")


def test_a_granted_spend_moved_to_another_line_asks_finance_afresh_with_no_decision_shown(
    officer_client: Client, finance_client: Client, line: BudgetLine, awaiting: Spend
) -> None:
    assert (
        decide_override(finance_client, awaiting, "Grant the override", "Agreed by Cabinet.").status_code
        == 302
    )
    tight = BudgetLineFactory(
        financial_year__start_year=2016, title="Tight line", amount=Decimal("100.00"), approved=True
    )
    url = reverse("budgets:spend-update", args=[awaiting.pk])
    data = spend_edit(officer_client, awaiting).fill(
        {"Budget line": str(tight), "Reason for going over the line": "The booking cannot wait."}
    )
    assert officer_client.post(url, data).status_code == 302
    moved = Spend.objects.get(pk=awaiting.pk)
    assert (moved.budget_line, moved.override_state) == (tight, OverrideState.REQUESTED)
    # Finance's grant was for the other line: nothing of it is shown as if it decided this request.
    assert (moved.override_decided_by, moved.override_decided_at, moved.override_comment) == (None, None, "")
    said_of_it = record_page(officer_client, moved).described()
    assert said_of_it["Override"] == "Awaiting Finance"
    assert "Finance's comment" not in said_of_it


def test_a_granted_spend_set_back_to_estimated_and_committed_again_is_checked_again(
    officer_client: Client, finance_client: Client, line: BudgetLine, awaiting: Spend
) -> None:
    """Finance agreed £100 over; while the spend sat as estimated the flights took the room it left."""
    assert (
        decide_override(finance_client, awaiting, "Grant the override", "Agreed at £300.").status_code == 302
    )
    url = reverse("budgets:spend-update", args=[awaiting.pk])
    data = within(Page(officer_client.get(url)).form_of("Description")).fill({"Status": "Estimated"})
    assert officer_client.post(url, data).status_code == 302
    flights = Spend.objects.get(description="Flights")
    flights_url = reverse("budgets:spend-update", args=[flights.pk])
    data = within(Page(officer_client.get(flights_url)).form_of("Description")).fill(
        {"Amount (£)": "1000.00"}
    )
    assert officer_client.post(flights_url, data).status_code == 302

    data = within(Page(officer_client.get(url)).form_of("Description")).fill({"Status": "Committed"})
    with unchanged():
        page = refused(officer_client.post(url, data), 200)
    assert page.field_error("Amount (£)").startswith(
        "This would commit £300.00 more than the line has left (£0.00)"
    )


# --- Beyond it: Finance ----------------------------------------------------------------------


def test_finance_correcting_a_request_leaves_it_for_a_decision(
    finance_client: Client, line: BudgetLine, awaiting: Spend
) -> None:
    """Finance mends the supplier's name on an officer's request: that decides nothing."""
    url = reverse("budgets:spend-update", args=[awaiting.pk])
    data = within(Page(finance_client.get(url)).form_of("Description")).fill(
        {"Supplier": "Derby Interpreting Ltd"}
    )
    assert finance_client.post(url, data).status_code == 302
    spend = Spend.objects.get(pk=awaiting.pk)
    assert (spend.supplier, spend.override_state, spend.override_decided_by) == (
        "Derby Interpreting Ltd",
        OverrideState.REQUESTED,
        None,
    )
    queue = Page(finance_client.get(reverse("budgets:review")))
    assert "Interpreter" in queue.section("Spend awaiting an override").text


def test_finance_over_committing_with_a_reason_is_granted_at_once(
    finance_client: Client, finance: Any, line: BudgetLine
) -> None:
    form = spend_form(finance_client, line)
    assert FINANCE_REASON in form.labels() and OFFICER_REASON not in form.labels()
    response = record_spend(
        finance_client,
        line,
        {
            "Amount (£)": "300.00",
            "Status": "Committed",
            FINANCE_REASON: "Cabinet agreed the extra on 9 Sept.",
        },
    )
    assert response.status_code == 302
    spend = Spend.objects.get(description="Interpreter")
    assert (spend.override_state, spend.override_decided_by, spend.override_reason) == (
        OverrideState.GRANTED,
        finance,
        "Cabinet agreed the extra on 9 Sept.",
    )
    assert figures(finance_client, line)["Committed"] == Decimal("1100")
    queue = Page(finance_client.get(reverse("budgets:review")))
    assert "No spend is waiting." in queue.section("Spend awaiting an override").text


def test_finance_over_committing_without_a_reason_is_refused(
    finance_client: Client, line: BudgetLine
) -> None:
    with unchanged():
        page = refused(
            record_spend(finance_client, line, {"Amount (£)": "300.00", "Status": "Committed"}), 200
        )
    assert page.field_error("Amount (£)") == OVER_BY_100 + "give a reason to override."


# --- Which lines take spend, and when ---------------------------------------------------------


def test_committing_against_a_proposed_line_is_refused(officer_client: Client) -> None:
    proposed = BudgetLineFactory(financial_year__start_year=2016, amount=Decimal("1000.00"))
    for status in ("Committed", "Paid"):
        with unchanged():
            page = refused(
                record_spend(officer_client, proposed, {"Amount (£)": "10", "Status": status}), 200
            )
        assert page.field_error("Status") == (
            "Spend can be committed or paid only against an approved line; record it as estimated."
        )
    assert record_spend(officer_client, proposed, {"Amount (£)": "10"}).status_code == 302
    assert Spend.objects.get(budget_line=proposed).status == SpendStatus.ESTIMATED


def test_spend_against_a_rejected_line_is_refused(officer_client: Client) -> None:
    rejected = BudgetLineFactory(financial_year__start_year=2016, rejected=True)
    data = {"description": "Interpreter", "amount": "10", "spent_on": "2016-10-12", "status": "estimated"}
    with unchanged():
        page = refused(officer_client.post(reverse("budgets:spend-create", args=[rejected.pk]), data), 200)
    assert "This budget line was rejected; record spend against another line." in page.errors_summary()


def spend_edit(client: Client, spend: Spend) -> Page:
    return within(open_page(client, reverse("budgets:spend-update", args=[spend.pk])).form_of("Description"))


def left_on_a_rejected_line(description: str, amount: str) -> Spend:
    """An estimate on a line proposed for a visit to Hefei, which Finance then rejected."""
    proposed = BudgetLineFactory(financial_year__start_year=2016, title="Hefei exploratory visit")
    spend = SpendFactory(
        budget_line=proposed, description=description, amount=Decimal(amount), status="estimated"
    )
    BudgetLine.objects.filter(pk=proposed.pk).update(status="rejected", decided_at=timezone.now())
    return spend


def test_estimated_spend_left_on_a_line_finance_rejects_is_moved_to_another_line(
    officer_client: Client, line: BudgetLine
) -> None:
    interpreter = left_on_a_rejected_line("Interpreter", "150.00")
    proposed = interpreter.budget_line

    # Its page says what is to be done, and leads to it.
    page = record_page(officer_client, interpreter)
    assert "Its line was rejected, so it is to be moved to a line it can be spent from" in page.text
    edit_url = reverse("budgets:spend-update", args=[interpreter.pk])
    assert page.link("choose its budget line") == edit_url
    assert "spend below that is still expected is to be moved" in record_page(officer_client, proposed).text

    # The rejected line is not offered, and nothing is chosen for the person.
    form = spend_edit(officer_client, interpreter)
    assert form.value("Budget line") == ""
    assert str(proposed) not in form.options("Budget line") and str(line) in form.options("Budget line")
    data = form.fill({})
    with unchanged():
        page = refused(officer_client.post(edit_url, data), 200)
    assert page.field_error("Budget line") == CHOOSE_OR_WITHDRAW
    assert "rejected" not in page.errors_summary(), "The line left unchosen is told of twice"

    assert officer_client.post(edit_url, form.fill({"Budget line": str(line)})).status_code == 302
    interpreter.refresh_from_db()
    assert interpreter.budget_line == line
    assert "Interpreter" in said(record_page(officer_client, line).section("Spend"))


def test_an_estimate_left_on_a_rejected_line_for_a_plan_dropped_is_withdrawn_where_it_stands(
    officer_client: Client, line: BudgetLine
) -> None:
    hotel = left_on_a_rejected_line("Hotel", "300.00")
    proposed = hotel.budget_line

    edit_url = reverse("budgets:spend-update", args=[hotel.pk])
    data = spend_edit(officer_client, hotel).fill({"Status": "Withdrawn"})  # no line chosen
    assert officer_client.post(edit_url, data).status_code == 302
    hotel.refresh_from_db()
    assert (hotel.budget_line, hotel.status) == (proposed, SpendStatus.WITHDRAWN)
    # Nothing is left to move: neither page asks for it any more, and it counts nowhere.
    assert "it is to be moved" not in record_page(officer_client, hotel).text
    assert "is to be moved" not in record_page(officer_client, proposed).text
    assert figures(officer_client, proposed)["Estimated"] == Decimal("0")


def test_an_estimate_no_longer_expected_is_withdrawn_kept_on_record_and_counted_nowhere(
    officer_client: Client, line: BudgetLine
) -> None:
    interpreter = SpendFactory(
        budget_line=line, description="Interpreter", amount=Decimal("150.00"), status="estimated"
    )
    assert figures(officer_client, line)["Estimated"] == Decimal("150")

    form = spend_edit(officer_client, interpreter)
    assert "Withdrawn" in form.options("Status")
    edit_url = reverse("budgets:spend-update", args=[interpreter.pk])
    assert officer_client.post(edit_url, form.fill({"Status": "Withdrawn"})).status_code == 302

    assert Spend.objects.filter(pk=interpreter.pk, status=SpendStatus.WITHDRAWN).exists()
    shown = figures(officer_client, line)
    assert (shown["Estimated"], shown["Committed"], shown["Variance"]) == (
        Decimal("0"),
        Decimal("800"),
        Decimal("200"),
    )
    page = record_page(officer_client, interpreter)
    assert "Withdrawn: no longer expected, so it counts in none of the line's or the year's figures" in said(
        page.root
    )
    history = open_page(officer_client, reverse("budgets:spend-history", args=[interpreter.pk]))
    assert "Withdrawn" in history.text
    assert "Interpreter" in said(record_page(officer_client, line).section("Spend"))


def test_new_spend_and_money_committed_or_paid_are_not_withdrawn(
    officer_client: Client, line: BudgetLine
) -> None:
    assert "Withdrawn" not in spend_form(officer_client, line).options("Status")
    flights = Spend.objects.get(description="Flights")  # committed
    form = spend_edit(officer_client, flights)
    assert "Withdrawn" not in form.options("Status")
    data = {**form.fill({}), "status": "withdrawn"}  # as a page from before it was committed sends it
    with unchanged():
        page = refused(officer_client.post(reverse("budgets:spend-update", args=[flights.pk]), data), 200)
    assert page.field_error("Status").startswith("Select a valid choice.")
    # The register's own rule, whatever form asks it.
    flights.status = SpendStatus.WITHDRAWN
    with pytest.raises(ValidationError) as refusal:
        flights.full_clean()
    assert refusal.value.message_dict["status"][0].startswith("Only an estimate can be withdrawn")


def test_paid_spend_stays_paid_unless_finance_corrects_a_payment_recorded_in_error(
    officer_client: Client, finance_client: Client, line: BudgetLine, officer: Any
) -> None:
    hotel = SpendFactory(budget_line=line, description="Hotel", amount=Decimal("100.00"), status="paid")
    edit_url = reverse("budgets:spend-update", args=[hotel.pk])
    form = spend_edit(officer_client, hotel)
    assert form.options("Status") == ["Paid"]
    assert "Paid spend stays paid: the money has gone." in said(form.root)

    # Set back to an estimate (and then withdrawn), the money would count nowhere.
    data = {**form.fill({}), "status": "estimated"}  # as a page from before it was paid sends it
    with unchanged():
        page = refused(officer_client.post(edit_url, data), 200)
    assert page.field_error("Status").startswith("Paid spend stays paid")
    with unchanged(), pytest.raises(RuleBroken) as refusal:  # whatever asks the register
        services.spend_record(
            budget_line=line,
            spend=Spend.objects.get(pk=hotel.pk),
            values={"status": SpendStatus.ESTIMATED},
            by=officer,
            may_override=False,
        )
    assert refusal.value.field == "status"

    form = spend_edit(finance_client, hotel)
    assert "Estimated" in form.options("Status")
    assert finance_client.post(edit_url, form.fill({"Status": "Estimated"})).status_code == 302
    assert Spend.objects.get(pk=hotel.pk).status == SpendStatus.ESTIMATED


def test_spend_is_not_moved_to_a_line_finance_rejected(officer_client: Client, line: BudgetLine) -> None:
    rejected = BudgetLineFactory(financial_year__start_year=2016, title="Refused idea", rejected=True)
    fares = SpendFactory(budget_line=line, description="Fares", amount=Decimal("100.00"), status="estimated")
    form = spend_edit(officer_client, fares)
    assert str(rejected) not in form.options("Budget line")
    data = {**form.fill({}), "budget_line": str(rejected.pk)}  # as a page from before the decision sends it
    with unchanged():
        page = refused(officer_client.post(reverse("budgets:spend-update", args=[fares.pk]), data), 200)
    assert page.field_error("Budget line").startswith("Select a valid choice.")


def test_committed_spend_moved_to_another_line_is_checked_against_that_line(
    officer_client: Client, line: BudgetLine
) -> None:
    roomy = BudgetLineFactory(financial_year__start_year=2016, amount=Decimal("5000.00"), approved=True)
    fares = SpendFactory(budget_line=roomy, description="Fares", amount=Decimal("400.00"), status="committed")
    edit_url = reverse("budgets:spend-update", args=[fares.pk])
    form = spend_edit(officer_client, fares)
    assert form.value("Budget line") == str(roomy.pk)
    with unchanged():  # the line has £200 left
        page = refused(officer_client.post(edit_url, form.fill({"Budget line": str(line)})), 200)
    assert page.field_error("Amount (£)").startswith("This would commit £200.00 more than the line has left")
    elsewhere = BudgetLineFactory(financial_year__start_year=2017, amount=Decimal("5000.00"), approved=True)
    form = spend_edit(officer_client, fares)
    with unchanged():
        page = refused(officer_client.post(edit_url, form.fill({"Budget line": str(elsewhere)})), 200)
    assert page.field_error("Date").startswith("This line is for 2017–18")


@pytest.mark.parametrize("day", ["2016-03-31", "2017-04-01", "2015-10-12"])
def test_spend_dated_outside_the_lines_year_is_refused(
    officer_client: Client, line: BudgetLine, day: str
) -> None:
    with unchanged():
        page = refused(record_spend(officer_client, line, {"Amount (£)": "10", "Date": day}), 200)
    assert page.field_error("Date") == (
        "This line is for 2016–17: the date must fall between 1 April 2016 and 31 March 2017."
    )
    assert page.value("Date") == day


@pytest.mark.parametrize("day", ["2016-04-01", "2017-03-31"])
def test_spend_on_the_first_and_last_day_of_the_year_is_saved(
    officer_client: Client, line: BudgetLine, day: str
) -> None:
    assert record_spend(officer_client, line, {"Amount (£)": "10", "Date": day}).status_code == 302


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5.00", NOT_POSITIVE),
        ("0", NOT_POSITIVE),
        ("0.001", TOO_PRECISE),
        ("10.999", TOO_PRECISE),
        ("", REQUIRED),
    ],
)
def test_spend_with_a_bad_amount(officer_client: Client, line: BudgetLine, typed: str, message: str) -> None:
    with unchanged():
        page = refused(record_spend(officer_client, line, {"Amount (£)": typed}), 200)
    assert page.field_error("Amount (£)") == message
    assert page.invalid_fields() == ["Amount (£)"]


def test_a_bad_amount_leaves_spend_as_it_was(officer_client: Client, line: BudgetLine) -> None:
    spend = Spend.objects.get(budget_line=line)
    before = snapshot()
    url = reverse("budgets:spend-update", args=[spend.pk])
    data = within(Page(officer_client.get(url)).form_of("Description")).fill(
        {"Amount (£)": "-1", "Supplier": "Half a change Ltd"},
    )
    with unchanged():
        page = refused(officer_client.post(url, data), 200)
    assert page.field_error("Amount (£)") == NOT_POSITIVE
    assert snapshot() == before


def test_a_cost_item_of_another_visit_is_refused(officer_client: Client, line: BudgetLine) -> None:
    visit = VisitFactory(title="Civic visit to Toyota City")
    other = CostItemFactory(visit=VisitFactory(title="Hefei trade visit"), description="Hotel in Hefei")
    data = spend_form(officer_client, line).fill(
        {"Description": "Hotel", "Amount (£)": "10", "Date": "2016-10-12", "Visit": str(visit)},
    )
    with unchanged():
        page = refused(
            officer_client.post(
                reverse("budgets:spend-create", args=[line.pk]), {**data, "cost_item": other.pk}
            ),
            200,
        )
    assert page.field_error("Cost item") == "This cost item belongs to a different visit."


def test_spend_for_a_visit_and_its_cost_item_is_saved(officer_client: Client, line: BudgetLine) -> None:
    visit = VisitFactory(title="Civic visit to Toyota City")
    item = CostItemFactory(visit=visit, description="Hotel in Toyota City")
    data = spend_form(officer_client, line).fill(
        {"Description": "Hotel", "Amount (£)": "100", "Date": "2016-10-12", "Visit": str(visit)},
    )
    response = officer_client.post(
        reverse("budgets:spend-create", args=[line.pk]), {**data, "cost_item": item.pk}
    )
    assert response.status_code == 302
    spend = Spend.objects.get(description="Hotel")
    assert (spend.visit, spend.cost_item) == (visit, item)
    assert "Civic visit to Toyota City" in record_page(officer_client, line).section("Spend").text


# --- Two people, one spend ------------------------------------------------------------------------


def test_two_officers_editing_the_same_spend(officer_client: Client, line: BudgetLine) -> None:
    colleague = UserFactory(username="priya", first_name="Priya", last_name="Patel", roles=[roles.OFFICER])
    other = Client()
    other.force_login(colleague)
    spend = Spend.objects.get(budget_line=line)
    url = reverse("budgets:spend-update", args=[spend.pk])
    olivias = Page(officer_client.get(url)).form_values("Description")
    priyas = Page(other.get(url)).form_values("Description")
    assert officer_client.post(url, {**olivias, "supplier": "JTB Travel"}).status_code == 302
    saved = snapshot()
    with unchanged():
        page = refused(other.post(url, {**priyas, "amount": "750.00"}), 200)
    assert "Olivia Officer saved this record" in page.errors_summary()
    assert "Your changes have not been saved" in page.errors_summary()
    assert page.value("Amount (£)") == "750.00"
    assert snapshot() == saved


def test_a_granted_override_says_who_granted_it_once(finance_client: Client, awaiting: Spend) -> None:
    assert decide_override(finance_client, awaiting, "Grant the override", "Agreed.").status_code == 302
    page = Page(finance_client.get(awaiting.get_absolute_url()))
    assert page.described()["Override"].startswith("Granted by Fred Finance on ")


# --- The spend list ---------------------------------------------------------------------------------


def test_the_spend_list_filters_by_override(
    officer_client: Client, line: BudgetLine, awaiting: Spend
) -> None:
    url = reverse("budgets:spend-list")
    page = Page(officer_client.get(url, {"ordering": "description"}))
    assert page.column("Description") == ["Flights", "Interpreter"]
    assert page.column("Status") == ["Committed", "Committed (awaiting finance)"]
    page = Page(officer_client.get(url, {"override_state": "requested"}))
    assert page.column("Description") == ["Interpreter"]
    assert page.column("Amount") == ["£300"]
    assert page.column("Line") == ["Toyota City civic visit (2016–17)"]


# --- What Finance read is what Finance decides ---------------------------------------------------


def test_an_override_granted_on_a_stale_page_is_refused(
    officer_client: Client, finance_client: Client, awaiting: Spend
) -> None:
    """Finance read £300; the officer then raised it to £3,000: granting what was read must not grant that."""
    form = override_form(finance_client, awaiting)
    url = reverse("budgets:spend-update", args=[awaiting.pk])
    data = within(Page(officer_client.get(url)).form_of("Description")).fill({"Amount (£)": "3000.00"})
    assert officer_client.post(url, data).status_code == 302
    assert Spend.objects.get(pk=awaiting.pk).override_state == OverrideState.REQUESTED
    data = form.choose(form.fill({"Comment": "Agreed at £300."}), "Grant the override")
    with unchanged():
        page = refused(finance_client.post(reverse("budgets:spend-override", args=[awaiting.pk]), data), 400)
    assert "changed" in page.errors_summary()
    assert Spend.objects.get(pk=awaiting.pk).override_state == OverrideState.REQUESTED


def test_a_line_with_spend_cannot_move_to_another_year(finance_client: Client, line: BudgetLine) -> None:
    url = reverse("budgets:line-update", args=[line.pk])
    data = within(Page(finance_client.get(url)).form_of("Title")).fill({"Financial year": "2017–18"})
    with unchanged():
        page = refused(finance_client.post(url, data), 200)
    assert "2016–17" in page.field_error("Financial year")
    assert BudgetLine.objects.get(pk=line.pk).financial_year.start_year == 2016


def test_editing_spend_to_commit_beyond_the_line_is_refused(officer_client: Client, line: BudgetLine) -> None:
    """An estimate of £300 turned into a commitment is checked against the £200 left, like new spend."""
    assert record_spend(officer_client, line, {"Amount (£)": "300.00"}).status_code == 302
    spend = Spend.objects.get(description="Interpreter")
    before = snapshot()
    url = reverse("budgets:spend-update", args=[spend.pk])
    data = within(Page(officer_client.get(url)).form_of("Description")).fill({"Status": "Committed"})
    with unchanged():
        page = refused(officer_client.post(url, data), 200)
    assert page.field_error("Amount (£)") == OVER_BY_100 + "give a reason to ask Finance to override."
    assert page.value("Status") == "committed"
    assert snapshot() == before


def test_the_override_service_needs_a_comment_whoever_calls_it(finance: Any, awaiting: Spend) -> None:
    """The rule holds below the forms too (the demo loader and the shell call the service)."""
    with pytest.raises(RuleBroken, match="Say why"):
        services.spend_decide_override(
            record=awaiting, to_status=OverrideState.GRANTED, note="  ", by=finance
        )
    assert Spend.objects.get(pk=awaiting.pk).override_state == OverrideState.REQUESTED
