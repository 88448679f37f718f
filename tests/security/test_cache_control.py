"""No copy of what a signed-in person saw is kept by a cache: every response to a
signed-in person, at every URL of the URL conf (pages, htmx fragments, PDFs,
CSV and XLSX exports), says ``Cache-Control: private, no-store``, whatever
role they hold and whatever the status."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.support.register import PEOPLE
from tests.support.urls import url_for, walk_urls

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _directives(response: Any) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def _kept_by_caches(responses: dict[str, Any]) -> dict[str, str]:
    """The responses not marked private and no-store, with the header they had."""
    return {
        where: response.get("Cache-Control", "(none)")
        for where, response in responses.items()
        if not {"private", "no-store"} <= _directives(response)
    }


@pytest.mark.parametrize("persona", sorted(PEOPLE))
def test_every_response_to_a_signed_in_person_is_private_and_not_stored(
    persona: str, register: dict[str, Any]
) -> None:
    client = register["clients"][persona]
    responses = {}
    for name in sorted(walk_urls()):
        if name == "logout":
            continue  # its GET is refused (405) and a POST would sign the persona out; see below
        url = url_for(name, register)
        responses[f"GET {name}"] = client.get(url)
        # The same address asked for by htmx, as list filters and partial updates ask.
        responses[f"htmx {name}"] = client.get(url, HTTP_HX_REQUEST="true")

    statuses = {response.status_code for response in responses.values()}
    kinds = {response.get("Content-Type", "").split(";")[0] for response in responses.values()}
    assert 200 in statuses, "the persona was shown nothing: the test would prove little"
    if persona == "officer":
        downloads = {"application/pdf", "text/csv", XLSX, "text/calendar"}
        assert {"text/html", *downloads} <= kinds, kinds
    assert _kept_by_caches(responses) == {}


def test_posts_refused_or_sent_back_with_errors_are_private_and_not_stored(register: dict[str, Any]) -> None:
    clients = register["clients"]
    responses = {
        "outsider refused": clients["outsider"].post(reverse("partners:place-create"), {}),
        "officer's form with errors": clients["officer"].post(reverse("partners:place-create"), {}),
        "leader refused": clients["leader"].post(reverse("partners:place-create"), {}),
    }

    assert {where: response.status_code for where, response in responses.items()} == {
        "outsider refused": 403,
        "officer's form with errors": 200,
        "leader refused": 403,
    }
    assert _kept_by_caches(responses) == {}


def test_a_view_s_own_stricter_header_is_kept(register: dict[str, Any]) -> None:
    """The calendar feed asks that nothing keep it at all (never_cache); a signed-in
    person asking for it gets that, not a weaker header."""
    response = register["clients"]["officer"].get(url_for("delegations:calendar-feed", register))

    assert response.status_code == 200
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= _directives(response)
