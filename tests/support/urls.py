"""The URL walker: every URL the resolver knows, filled in from a register, and
the site's own links followed from a page.

The role matrix, the hostile-input and other-records tests and the
accessibility walk all start from ``walk_urls``, so a URL added to the app
without a row in their tables fails them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.support.pages import Page
from tests.support.register import DOCUMENT_APPS, calendar_owner

# The Django admin's own pages are tested on their own.
SKIPPED_NAMESPACES = {"admin"}

# Which kind of record a URL's <pk> names, where it is not the one in its name
# ("partners:place-detail" names a place).
PK_OF: dict[str, str] = {
    "partners:relationship-status": "relationship",
    "partners:stakeholder-create": "relationship",
    "partners:stakeholder-delete": "stakeholder",
    "delegations:visit-status": "visit",
    "delegations:participant-add": "visit",
    "delegations:participant-remove": "participant",
    "delegations:meeting-add": "visit",
    "delegations:meeting-remove": "meeting",
    "delegations:cost-item-add": "visit",
    "delegations:cost-item-change": "costitem",
    "delegations:cost-item-remove": "costitem",
    "delegations:estimate-add": "visit",
    "delegations:follow-up-add": "visit",
    "budgets:line-decide": "proposed_line",
    "budgets:spend-create": "line",
    "budgets:spend-override": "awaiting_spend",
    "budgets:cost-shares": "relationship",
    "reports:paragraph-add": "report",
    "reports:sign-offs": "report",
    "reports:decision-record": "approved_report",
    "reports:report-publish": "approved_report",
    "reports:report-revise": "approved_report",
    "reports:rendering-request": "report",
    "reports:rendering-retry": "failed_rendering",
    "public:report": "published_report",
    **{
        f"{app}:{kind}-document{action}": kind
        for app, kind in DOCUMENT_APPS
        for action in ("", "-add", "-remove")
    },
    "public:report-pdf": "published_report",
    "privacy:erase": "contact",
    "privacy:review-decide": "retention_review",
}


def _walk(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    # MEDIA_URL is "/" when no media is served: no prefix at all, not one every route has.
    static = tuple(p for p in (settings.STATIC_URL.strip("/"), settings.MEDIA_URL.strip("/")) if p)
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, route)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry
        elif not (static and route.lstrip("^/").startswith(static)):
            # A URL with no name cannot be listed by name; it is listed by its
            # route, so it too has to join the tables (static files apart).
            yield f"(unnamed) {route}", entry


def walk_urls() -> dict[str, URLPattern]:
    """Every URL the resolver knows, by its full name (the Django admin and static files apart)."""
    return dict(_walk(get_resolver().url_patterns))


def kind_of(name: str) -> str:
    """The kind of record the <pk> of the URL ``name`` names: a key of the register."""
    return PK_OF.get(name, name.split(":")[-1].rsplit("-", 1)[0])


def url_for(name: str, register: dict[str, Any], *, feed_owner: str = "calendar-owner") -> str:
    """The URL ``name`` with its ids taken from ``register``: the record of the kind the
    URL names, a calendar address of a Leader's Office user, the budget line's year."""
    kwargs: dict[str, Any] = {}
    for key in walk_urls()[name].pattern.converters:
        if key == "token":
            kwargs["token"] = calendar_owner(feed_owner).token
        elif key == "start_year":
            kwargs["start_year"] = register["line"].financial_year.start_year
        elif key == "kind":
            kwargs["kind"] = kind_of(name)
        elif key == "document":
            kwargs["document"] = register[f"{kind_of(name)}_document"].pk
        else:
            assert key == "pk", f"{name} takes <{key}>; teach url_for how to fill it"
            assert kind_of(name) in register, f"{name}: no record kind {kind_of(name)!r}; add it to PK_OF"
            kwargs["pk"] = register[kind_of(name)].pk
    return reverse(name, kwargs=kwargs)


def takes_post(pattern: URLPattern) -> bool:
    """Whether the view behind a URL handles POST (class-based views say so)."""
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return False
    allowed = getattr(view_class, "http_method_names", ())
    return "post" in allowed and callable(getattr(view_class, "post", None))


def crawl(client: Client, start: str, *, limit: int, skipped: tuple[str, ...] = ()) -> dict[str, int]:
    """Follows the site's own links breadth first from ``start``; the status of each page reached."""
    seen: dict[str, int] = {}
    todo = deque([start])
    while todo and len(seen) < limit:
        url = todo.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in Page(response).links():
            target = urldefrag(href).url
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(skipped):
                continue
            if target not in seen:
                todo.append(target)
    return seen
