"""A create form sent twice (a double-click, a resend after a slow answer) saves once."""

from __future__ import annotations

import os
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import FormSubmission
from core.tasks import clear_expired_sessions
from delegations.models import CostItem
from partners.models import Place
from tests.factories import VisitFactory
from tests.support.pages import record_page, status_message

TOKEN = re.compile(r'name="submission" value="([0-9a-f]{32})"')


def new_place_form(client: Client) -> tuple[str, dict[str, str]]:
    page = client.get(reverse("partners:place-create")).content.decode()
    token = TOKEN.search(page)
    assert token, "the create form carries no one-off token"
    return token.group(1), {
        "name": "Hefei",
        "local_name": "合肥",
        "country": "China",
        "kind": "city",
        "submission": token.group(1),
    }


def test_each_create_form_shown_has_its_own_token(officer_client):
    first, _ = new_place_form(officer_client)
    second, _ = new_place_form(officer_client)

    assert first != second


def test_sending_the_same_form_twice_saves_one_place(officer_client):
    _, data = new_place_form(officer_client)

    first = officer_client.post(reverse("partners:place-create"), data)
    second = officer_client.post(reverse("partners:place-create"), data, follow=True)

    assert Place.objects.filter(name="Hefei").count() == 1
    place = Place.objects.get(name="Hefei")
    assert first["Location"] == place.get_absolute_url()
    assert second.redirect_chain[0][0] == place.get_absolute_url()
    assert "This form had already been sent, so it was saved only once." in second.content.decode()


def test_a_form_sent_back_with_errors_can_be_corrected_and_sent_again(officer_client):
    _, data = new_place_form(officer_client)

    refused = officer_client.post(reverse("partners:place-create"), {**data, "name": ""})
    assert refused.status_code == 200
    assert TOKEN.search(refused.content.decode()).group(1) == data["submission"]

    saved = officer_client.post(reverse("partners:place-create"), data)

    assert saved.status_code == 302
    assert Place.objects.filter(name="Hefei").count() == 1


def test_each_new_form_saves_its_own_place(officer_client):
    """Only the same form sent twice is refused; the next new form saves."""
    for name in ["Hefei", "Zhejiang"]:
        _, data = new_place_form(officer_client)
        officer_client.post(reverse("partners:place-create"), {**data, "name": name})

    assert set(Place.objects.values_list("name", flat=True)) == {"Hefei", "Zhejiang"}


def test_spend_sent_twice_is_recorded_once(officer_client, finance):
    """Money above all: a double click on "Record spend" must not commit it twice."""
    from budgets.models import Spend
    from tests.factories import BudgetLineFactory
    from tests.support.pages import Page, within

    line = BudgetLineFactory(financial_year__start_year=2016, approved=True, decided_by=finance)
    url = reverse("budgets:spend-create", args=[line.pk])
    form = within(Page(officer_client.get(url)).form_of("Description"))
    data = form.fill({"Description": "Interpreter", "Date": "2016-10-12", "Amount (£)": "90.00"})
    assert re.fullmatch(r"[0-9a-f]{32}", data["submission"]), "the form carries no one-off token"

    first = officer_client.post(url, data)
    second = officer_client.post(url, data, follow=True)

    assert Spend.objects.filter(description="Interpreter").count() == 1
    assert second.redirect_chain[0][0] == first["Location"] == line.get_absolute_url()
    assert "This form had already been sent, so it was saved only once." in second.content.decode()


def test_a_paper_drafted_from_the_register_sent_twice_is_drafted_once(officer_client):
    from reports.models import Report
    from tests.support.pages import Page, within

    url = reverse("reports:draft-from-register")
    form = within(Page(officer_client.get(url)).form_of("Meeting date"))
    data = form.fill({"Meeting date": "2026-03-11", "Report of": "the Director"})

    first = officer_client.post(url, data)
    second = officer_client.post(url, data, follow=True)

    report = Report.objects.get()
    assert first["Location"] == second.redirect_chain[0][0] == report.get_absolute_url()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "in place"])
def test_a_quick_estimate_sent_twice_adds_its_items_once(officer_client, htmx):
    visit = VisitFactory(title="Exploratory visit to China")
    url = reverse("delegations:estimate-add", args=[visit.pk])
    form = record_page(officer_client, visit).form_posting_to(url)
    values = {
        "People travelling": "4",
        "Nights": "4",
        "Nightly rate per person (£)": "60",
        "Fare per person (£)": "650",
    }
    data = form.fill(values)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    officer_client.post(url, data, **headers)
    second = officer_client.post(url, data, follow=not htmx, **headers)

    assert sorted(CostItem.objects.filter(visit=visit).values_list("category", flat=True)) == [
        "accommodation",
        "travel",
    ]
    assert "This form had already been sent, so it was added only once." in status_message(second)
    again = record_page(officer_client, visit).form_posting_to(url)
    officer_client.post(url, again.fill(values))
    assert CostItem.objects.filter(visit=visit).count() == 4, "the same again, from a form shown afresh"


def test_another_users_token_saves_nothing_and_reveals_nothing(officer_client, officer, finance, db):
    from core import roles
    from tests.factories import UserFactory

    _, data = new_place_form(officer_client)
    officer_client.post(reverse("partners:place-create"), data)
    colleague = Client()
    colleague.force_login(UserFactory(username="olu", roles=[roles.OFFICER]))

    response = colleague.post(reverse("partners:place-create"), data, follow=True)

    assert Place.objects.filter(name="Hefei").count() == 1
    assert response.redirect_chain[0][0] == reverse("partners:place-create")
    assert "Nothing new was saved" in response.content.decode()


def test_the_nightly_job_clears_receipts_older_than_a_day(officer_client):
    for name in ["Hefei", "Zhejiang"]:
        _, data = new_place_form(officer_client)
        officer_client.post(reverse("partners:place-create"), {**data, "name": name})
    old, recent = FormSubmission.objects.order_by("pk")
    FormSubmission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))

    clear_expired_sessions()

    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.services
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL (the services run)")
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_form_save_one_place(officer):
    """The double-click proper: both requests are in flight together; the unique
    token makes the second wait for the first and then find it saved."""
    client = Client()
    client.force_login(officer)
    _, data = new_place_form(client)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        own = Client()
        own.cookies = client.cookies
        start.wait()
        try:
            statuses.append(own.post(reverse("partners:place-create"), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302, 302]
    assert Place.objects.filter(name="Hefei").count() == 1
