"""Every list's filter says what the list shows.

A filter left alone lists everything, and says so in words ("Any year", "Any
status"), never Django's "---------" or "Unknown"; pressing Filter without
changing anything lists the same rows. Budget lines and spend once offered no
"any" choice for their financial year: the form showed 2015–16 while the list
showed every year, and pressing Filter dropped the others.

Every page of the URL conf is opened as a role that may see it, with two sets
of records in the register (budget lines in two financial years), and each
filter form found is checked.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.matrix import MATRIX
from tests.support.pages import Node, Page, open_list, within
from tests.support.register import build_register, client_for
from tests.support.urls import url_for, walk_urls

READERS = ("officer", "finance", "leader")
# Django's and django-filter's words for a choice left unmade.
UNCHOSEN_DEFAULTS = {"---------", "Unknown", ""}
# What a yes-or-no filter left alone says.
EITHER = "Either"


@pytest.fixture
def register(db: Any) -> dict[str, Any]:
    """Two sets of records: budget lines and spend in 2015–16 and in 2014–15."""
    build_register("earlier")
    return build_register()


def filter_form(page: Page) -> Node | None:
    forms = [
        form
        for form in page.root.find_all("form")
        if form.attrs.get("role") == "search" and form.attrs.get("aria-label", "").startswith("Filter")
    ]
    return forms[0] if forms else None


def rows(page: Page) -> list[str]:
    tables = page.root.find_all("main")[0].find_all("table")
    return [row.text for row in tables[0].find_all("tbody")[0].find_all("tr")] if tables else []


def filtered_pages(register: dict[str, Any], personas: dict[str, Any]) -> dict[str, tuple[Client, str, Page]]:
    """Every page with a filter form: its client (a role that may read it), address and page."""
    found = {}
    for name in walk_urls():
        readers = [who for who in READERS if MATRIX[name]["GET"][who] == 200]
        if not readers:
            continue
        client = client_for(personas[readers[0]])
        url = url_for(name, register)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = Page(response)
        if filter_form(page) is not None:
            found[name] = (client, url, page)
    return found


def test_every_filter_left_alone_says_any_and_lists_everything(register, personas) -> None:
    pages = filtered_pages(register, personas)
    # The lists of places, relationships, approaches, organisations, contacts, actions,
    # exchanges, visits, gifts, budget lines, spend and reports at least.
    assert len(pages) >= 12, sorted(pages)

    wrong = []
    for name, (client, url, page) in pages.items():
        form = within(filter_form(page))
        for select in form.root.find_all("select"):
            label = [
                lab.text for lab in form.root.find_all("label") if lab.attrs.get("for") == select.attrs["id"]
            ]
            what = f"{name} {label[0] if label else select.attrs['name']}"
            options = select.find_all("option")
            texts = [option.text for option in options]
            if UNCHOSEN_DEFAULTS & set(texts):
                wrong.append(f"{what}: offers {texts}")
            chosen = [option for option in options if "selected" in option.attrs] or options[:1]
            words = chosen[0].text if chosen else ""
            if not (words.startswith("Any") or words == EITHER):
                wrong.append(f"{what}: shows {words!r} before anything is chosen")
        # Filter pressed with nothing changed.
        sent = form.form_values(form.labels()[0])
        again = Page(client.get(url, sent))
        if rows(again) != rows(page):
            wrong.append(
                f"{name}: Filter pressed unchanged ({sent}) lists {len(rows(again))} rows, not {len(rows(page))}"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", ["budgets:line-list", "budgets:spend-list"])
def test_the_financial_year_filter_starts_at_any_year(name: str, register, personas) -> None:
    client = client_for(personas["finance"])
    url = reverse(name)
    page = open_list(client, url)
    assert {"2014–15", "2015–16"} <= set(page.options("Financial year"))
    year = page.control("Financial year").find_all("option")
    assert (year[0].attrs.get("value"), year[0].text) == ("", "Any year")
    # Shown first and chosen: nothing else is marked chosen.
    assert [option.text for option in year if "selected" in option.attrs] in ([], ["Any year"])
    shown = page.column("Year") if name == "budgets:line-list" else rows(page)
    assert len(shown) >= 2
    # Unchanged, the form sends no year and the list keeps both years.
    sent = page.form_values("Financial year")
    assert sent["year"] == ""
    both = Page(client.get(url, sent))
    assert rows(both) == rows(page)
    if name == "budgets:line-list":
        assert {"2014–15", "2015–16"} <= set(both.column("Year"))
    # Choosing a year still narrows the list to it.
    narrowed = open_list(client, url, Financial_year="2014–15")
    assert 0 < len(rows(narrowed)) < len(rows(page))
